// Per-talker playout (jitter) buffer, sans-I/O: push() packets as they arrive, tick() once per 20 ms.
//
// Playout is by RTP timestamp, one 20 ms frame per tick. Timestamps (not sequence numbers) place
// frames in time because Opus DTX keeps sequence numbers contiguous across a pause while the
// timestamp jumps: a packet after a pause must start a new talk spurt, not be "late".
// A talk spurt starts once its first frame is old enough (PlayoutPolicy.delayMs: a few ms at a
// 1-frame target) or more than the target is buffered, plays frame by frame, and trims back to the
// target after a burst. A missing frame with nothing behind it is waited for: the tick conceals
// without advancing ("hold"), so a merely late frame still plays (and raises the target), while a
// lost one is skipped when its successor arrives, its slot already covered by the concealment. The
// spurt ends after `concealLimit` missing frames with nothing buffered (DTX: no packets = silence).
import { FRAME_MS, FRAME_TS } from '../opus.js';
import { PlayoutPolicy, type PlayoutPolicyOptions } from './playout-policy.js';
import { RtpReceiveStats } from '../rtp/receive-stats.js';
import { tsDiff } from '../rtp/sequence.js';

export interface PlayoutPacket {
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  payload: Buffer;
}

export type PlayoutOutput = { kind: 'frame'; payload: Buffer } | { kind: 'conceal' } | { kind: 'silent' };
export type PushResult = 'buffered' | 'duplicate' | 'late';

export interface PlayoutOptions extends Omit<PlayoutPolicyOptions, 'minTargetFrames'> {
  /** Lowest (and initial) adaptive target in frames (default 1). */
  targetFrames?: number;
  /** Buffered span that triggers trimming back to the target: target + (maxFrames - targetFrames), default target + 2. */
  maxFrames?: number;
  /** Consecutive missing frames (nothing buffered) concealed before the spurt ends (default 3). */
  concealLimit?: number;
  /** Timestamp jumps backwards by more than this many frames mean the talker restarted (default 50 = 1 s). */
  maxJumpFrames?: number;
}

export interface PlayoutStats {
  received: number;
  played: number;
  lost: number;
  late: number;
  duplicate: number;
  concealed: number;
  trimmed: number;
  restarts: number;
  /** Ticks that waited for a missing frame (concealed without advancing). */
  held: number;
  jitterMs: number;
  depth: number;
  /** Current adaptive target, in frames. */
  target: number;
}

const CAPACITY = 64; // frames (1.28 s); a power of two keeps the ring index cheap
const HISTORY = 128; // frames remembered after playout, to tell duplicates from late packets
const SILENT: PlayoutOutput = Object.freeze({ kind: 'silent' });
const CONCEAL: PlayoutOutput = Object.freeze({ kind: 'conceal' });

export class PlayoutBuffer {
  readonly policy: PlayoutPolicy;
  private readonly trimSlack: number;
  private readonly concealLimit: number;
  private readonly maxJump: number;
  private readonly slotFrame = new Float64Array(CAPACITY).fill(NaN);
  private readonly slotPayload: (Buffer | undefined)[] = new Array<Buffer | undefined>(CAPACITY);
  private readonly seen = new Float64Array(HISTORY).fill(NaN);
  private readonly reception = new RtpReceiveStats();
  private ssrc: number | undefined;
  // Timestamp unwrapping: frame index = refFrame + round((ts - refTs) / 960), signed 32-bit delta.
  private refTs = 0;
  private refFrame = 0;
  private count = 0;
  private maxBuffered = 0;
  private playing = false;
  private hasFloor = false;
  private playFrame = 0; // next frame to play; while idle, the floor below which packets are late
  private idleAge = 0;
  private firstArrivalMs = 0;
  private missingRun = 0;
  private holds = 0;
  private clockMs = 0;
  // The spurt's fastest frame (frame index, arrival): other frames' delay relative to it is what the
  // start of the next spurt must wait for (PlayoutPolicy.observe).
  private delayBaseFrame = NaN;
  private delayBaseMs = 0;
  private readonly s = { received: 0, played: 0, late: 0, duplicate: 0, concealed: 0, trimmed: 0, restarts: 0, held: 0 };

  constructor(opts: PlayoutOptions = {}) {
    const min = Math.max(1, opts.targetFrames ?? 1);
    this.policy = new PlayoutPolicy({ ...opts, minTargetFrames: min });
    this.trimSlack = Math.max(1, (opts.maxFrames ?? min + 2) - min);
    this.concealLimit = Math.max(0, opts.concealLimit ?? 3);
    this.maxJump = opts.maxJumpFrames ?? 50;
  }

  get stats(): PlayoutStats {
    const r = this.reception;
    return { ...this.s, lost: r.lost, jitterMs: r.jitterMs, depth: this.count, target: this.policy.target };
  }

  /**
   * Milliseconds until a waiting spurt may start (0 = at the next tick), or undefined when nothing
   * waits. Lets the clock adapter put the first tick of an idle engine right there.
   */
  startsInMs(nowMs: number): number | undefined {
    if (this.playing || this.count === 0) return undefined;
    return Math.max(0, this.policy.delayMs(this.reception.jitterMs) - (nowMs - this.firstArrivalMs));
  }

  /** Reception statistics, and the frame's delay relative to the spurt's fastest frame. */
  private record(pkt: PlayoutPacket, frame: number, arrivalMs: number): void {
    this.reception.record(pkt, arrivalMs);
    if (Number.isNaN(this.delayBaseFrame)) return;
    const delay = arrivalMs - (this.delayBaseMs + (frame - this.delayBaseFrame) * FRAME_MS);
    if (delay < 0) {
      this.delayBaseFrame = frame;
      this.delayBaseMs = arrivalMs;
    } else this.policy.observe(delay);
  }

  /** Ends the spurt now and drops what is buffered (the talker's gate closed on silence). */
  endSpurt(): void {
    if (!this.playing && this.count === 0) return;
    this.dropSpurt();
  }

  /** True while a talk spurt is playing. */
  get active(): boolean {
    return this.playing;
  }

  /** True when nothing is playing or buffered: the talker costs nothing this tick. */
  get idle(): boolean {
    return !this.playing && this.count === 0;
  }

  push(pkt: PlayoutPacket, arrivalMs: number): PushResult {
    this.s.received++;
    if (this.ssrc !== pkt.ssrc) {
      if (this.ssrc !== undefined) this.restart();
      this.ssrc = pkt.ssrc;
      this.rebase(pkt.timestamp);
    }
    let f = this.frameOf(pkt.timestamp);
    // While playing, everything buffered is >= playFrame; while idle, >= the floor.
    const lo = this.playing ? this.playFrame : this.count > 0 ? this.minBuffered() : f;
    if (f < (this.hasFloor ? this.playFrame : lo) - this.maxJump) {
      // Further back than any network delay: the talker restarted with a new timestamp base.
      this.restart();
      this.rebase(pkt.timestamp);
      f = this.refFrame;
    } else if ((this.playing || this.count > 0) && f - lo >= CAPACITY) {
      this.resync();
    } else if (this.count > 0 && this.maxBuffered - f >= CAPACITY) {
      this.record(pkt, f, arrivalMs);
      this.s.late++;
      return 'late';
    }
    if (this.hasFloor && f < this.playFrame) {
      if (this.seen[f & (HISTORY - 1)] === f) return this.dup();
      this.record(pkt, f, arrivalMs);
      this.s.late++;
      // Within a spurt it missed its tick (skipped as lost): the buffer is too shallow.
      if (this.playing && this.playFrame - f <= this.policy.maxTarget) this.policy.late(this.clockMs);
      return 'late';
    }
    const i = f & (CAPACITY - 1);
    if (this.slotFrame[i] === f) return this.dup();
    this.slotFrame[i] = f;
    this.slotPayload[i] = pkt.payload;
    this.seen[f & (HISTORY - 1)] = f;
    if (this.count === 0 || f > this.maxBuffered) this.maxBuffered = f;
    if (this.count === 0 && !this.playing) {
      this.firstArrivalMs = arrivalMs;
      this.idleAge = 0;
      this.delayBaseFrame = f;
      this.delayBaseMs = arrivalMs;
    }
    this.count++;
    if (f > this.refFrame) {
      this.refFrame = f;
      this.refTs = pkt.timestamp;
    }
    this.record(pkt, f, arrivalMs);
    return 'buffered';
  }

  /**
   * One 20 ms playout step at `nowMs` (the arrival time axis). Without a time, ticks count as 20 ms
   * each and a waiting frame's age is measured in ticks (tests and benchmarks).
   */
  tick(nowMs?: number): PlayoutOutput {
    this.clockMs = nowMs ?? this.clockMs + FRAME_MS;
    this.policy.relax(this.clockMs);
    if (!this.playing) {
      if (this.count === 0) return SILENT;
      this.idleAge++;
      const age = nowMs === undefined ? this.idleAge * FRAME_MS : nowMs - this.firstArrivalMs;
      const first = this.minBuffered();
      // Waits until the first frame is old enough, unless more than the target is here already.
      if (age < this.policy.delayMs(this.reception.jitterMs) && this.maxBuffered - first + 1 <= this.policy.target) return SILENT;
      this.playing = true;
      this.hasFloor = true;
      this.playFrame = first;
      this.missingRun = 0;
      this.holds = 0;
    }
    if (this.count > 0 && this.maxBuffered - this.playFrame + 1 > this.policy.target + this.trimSlack) this.trim();
    let i = this.playFrame & (CAPACITY - 1);
    if (this.slotFrame[i] !== this.playFrame && this.count > 0 && this.holds > 0) {
      // We waited for a frame that was lost after all: its successor is here, and the slots in
      // between were covered by the concealment played while waiting. Catch up without delay.
      const next = this.minBuffered();
      if (next - this.playFrame <= this.holds) {
        this.playFrame = next;
        this.holds = 0;
        i = next & (CAPACITY - 1);
      }
    }
    if (this.slotFrame[i] === this.playFrame) {
      const payload = this.slotPayload[i] as Buffer;
      this.take(i);
      this.playFrame++;
      this.missingRun = 0;
      if (this.holds > 0) this.policy.late(this.clockMs); // it came, but late: deepen the buffer
      this.holds = 0;
      this.s.played++;
      return { kind: 'frame', payload };
    }
    if (this.count === 0) {
      if (++this.missingRun > this.concealLimit) {
        // Nothing buffered for a while: the talker paused (DTX) or left. End the spurt; no endless PLC.
        this.playing = false;
        this.idleAge = 0;
        this.holds = 0;
        return SILENT;
      }
      // Late or lost, cannot tell yet: conceal without advancing, so a late frame still fits.
      this.holds++;
      this.s.held++;
      this.s.concealed++;
      return CONCEAL;
    }
    this.playFrame++;
    this.s.concealed++;
    return CONCEAL;
  }

  /** Drops the oldest frames so that `targetFrames` remain: latency goes back down after a burst. */
  private trim(): void {
    const newStart = this.maxBuffered - this.policy.target + 1;
    for (let f = this.playFrame; f < newStart; f++) {
      const i = f & (CAPACITY - 1);
      if (this.slotFrame[i] === f) {
        this.take(i);
        this.s.trimmed++;
      }
    }
    this.playFrame = newStart;
    this.holds = 0;
  }

  private take(i: number): void {
    this.slotFrame[i] = NaN;
    this.slotPayload[i] = undefined;
    this.count--;
  }

  private dup(): PushResult {
    this.s.duplicate++;
    return 'duplicate';
  }

  private frameOf(ts: number): number {
    return this.refFrame + Math.round(tsDiff(this.refTs, ts) / FRAME_TS);
  }

  private minBuffered(): number {
    let min = Infinity;
    for (let i = 0; i < CAPACITY; i++) {
      const f = this.slotFrame[i] as number;
      if (f < min) min = f; // NaN never compares less
    }
    return min;
  }

  private rebase(ts: number): void {
    this.refTs = ts;
    this.refFrame = 0;
  }

  /** A packet far ahead of everything buffered (e.g. after a stall): drop the stale frames, start a new spurt. */
  private resync(): void {
    this.reception.discontinuity();
    this.dropSpurt();
  }

  /** Drops what is buffered (counted as trimmed) and stops playing; the next packet starts a spurt. */
  private dropSpurt(): void {
    this.s.trimmed += this.count;
    this.slotFrame.fill(NaN);
    this.slotPayload.fill(undefined);
    this.count = 0;
    this.playing = false;
    this.idleAge = 0;
    this.holds = 0;
  }

  /** Talker restarted (new SSRC, or a timestamp jump no network could cause): forget everything. */
  private restart(): void {
    this.slotFrame.fill(NaN);
    this.slotPayload.fill(undefined);
    this.seen.fill(NaN);
    this.count = 0;
    this.playing = false;
    this.hasFloor = false;
    this.idleAge = 0;
    this.missingRun = 0;
    this.holds = 0;
    this.reception.restart();
    this.s.restarts++;
  }
}
