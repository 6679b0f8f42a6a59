// Adaptive playout delay of one talker (docs/media.md "Playout policy"), pure arithmetic on times in ms.
//
// A talk spurt starts once its first frame is `delayMs()` old: a small margin, plus whichever is
// larger of the talker's relative delay and `jitterFactor` x the measured interarrival jitter. The
// relative delay is how much later than its spurt's fastest frame a frame arrived — what a start must
// wait for so that no frame misses its tick — as the 97th percentile of the last DELAY_HISTORY frames,
// so one hiccup does not slow every later start (a rarer, later frame is waited for mid-spurt, see the
// buffer). The target (frames the buffer holds; trimming keeps the depth near it, so latency cannot
// drift) starts at `minTargetFrames`, rises by one frame at once after a late frame (one that missed
// its tick), and falls back by one frame after `relaxMs` without one.
import { FRAME_MS } from '../opus.js';

export interface PlayoutPolicyOptions {
  /** Lowest target, in 20 ms frames (default 1). */
  minTargetFrames?: number;
  /** Highest target the adaptation may reach (default 5 = 100 ms). */
  maxTargetFrames?: number;
  /** Minimum age of a spurt's first frame before it plays (default 3 ms: timer and send jitter). */
  marginMs?: number;
  /** Multiple of the RFC 3550 jitter estimate the first frame waits for (default 2). */
  jitterFactor?: number;
  /** Quiet period (no late frame) after which the target falls back by one frame (default 4000 ms). */
  relaxMs?: number;
}

/** Frames whose relative delay the start wait is taken from (~4 s of talk). */
const DELAY_HISTORY = 200;
const DELAY_PERCENTILE = 0.97;

export class PlayoutPolicy {
  readonly minTarget: number;
  readonly maxTarget: number;
  private readonly marginMs: number;
  private readonly jitterFactor: number;
  private readonly relaxMs: number;
  private targetFrames: number;
  private lastEventMs: number | undefined;
  private readonly delays = new Float64Array(DELAY_HISTORY);
  private delayCount = 0;
  private delayNext = 0;
  private delayCached: number | undefined = 0;
  raises = 0;

  constructor(opts: PlayoutPolicyOptions = {}) {
    this.minTarget = Math.max(1, Math.round(opts.minTargetFrames ?? 1));
    this.maxTarget = Math.max(this.minTarget, Math.round(opts.maxTargetFrames ?? 5));
    this.marginMs = Math.max(0, opts.marginMs ?? 3);
    this.jitterFactor = Math.max(0, opts.jitterFactor ?? 2);
    this.relaxMs = Math.max(FRAME_MS, opts.relaxMs ?? 4000);
    this.targetFrames = this.minTarget;
  }

  /** Frames the buffer aims to hold: a spurt starts at this depth, trimming returns to it. */
  get target(): number {
    return this.targetFrames;
  }

  /** How old a spurt's first frame must be before it plays. */
  delayMs(jitterMs: number): number {
    const cap = (this.maxTarget - 1) * FRAME_MS;
    // A configured minimum target above one frame is a floor for the wait (a deployment's choice).
    return this.marginMs + Math.max((this.minTarget - 1) * FRAME_MS, Math.min(cap, Math.max(this.relativeDelayMs(), this.jitterFactor * jitterMs)));
  }

  /** A frame arrived `delayMs` later than the spurt's fastest frame would have had it. */
  observe(delayMs: number): void {
    this.delays[this.delayNext] = delayMs;
    this.delayNext = (this.delayNext + 1) % DELAY_HISTORY;
    this.delayCount = Math.min(DELAY_HISTORY, this.delayCount + 1);
    this.delayCached = undefined;
  }

  /** The 97th percentile of the recent relative delays (sorted only when a start asks for it). */
  relativeDelayMs(): number {
    if (this.delayCached === undefined) {
      const recent = this.delays.slice(0, this.delayCount).sort();
      this.delayCached = recent[Math.min(this.delayCount - 1, Math.floor(DELAY_PERCENTILE * this.delayCount))] ?? 0;
    }
    return this.delayCached;
  }

  /** A frame missed its tick (it arrived after its slot, or playout waited for it): one frame more. */
  late(nowMs: number): void {
    this.lastEventMs = nowMs;
    if (this.targetFrames < this.maxTarget) {
      this.targetFrames++;
      this.raises++;
    }
  }

  /** Called every tick: after a quiet period the target falls back one frame at a time. */
  relax(nowMs: number): void {
    if (this.targetFrames <= this.minTarget) return;
    this.lastEventMs ??= nowMs;
    if (nowMs - this.lastEventMs < this.relaxMs) return;
    this.targetFrames--;
    this.lastEventMs = nowMs;
  }
}
