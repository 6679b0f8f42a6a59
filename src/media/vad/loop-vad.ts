// Voice activity per loop, from the per-talker frame levels the mixer computes anyway (no extra decode).
// Sans-I/O: call process() once per 20 ms tick with that tick's levels; it returns transitions only.
//
// Each (loop, talker) pair has its own detector: on after `onFrames` consecutive frames at or above
// the threshold, off after `hangoverMs` without one (a talker absent from a tick counts as below).
// A loop is on while any of its talkers is on. A transition is emitted when a loop turns on or off,
// and also when the set of talking SSRCs changes while it is on (talker indication in the keyset).
import { FRAME_MS } from '../opus.js';

export interface VadOptions {
  /** RMS level that counts as voice (default -40 dBFS; speech is typically -30..-15). */
  thresholdDbfs?: number;
  /** Consecutive frames above threshold to switch on (default 1). */
  onFrames?: number;
  /** Time below threshold to switch off (default 500 ms). */
  hangoverMs?: number;
}

export interface VadLevel {
  ssrc: number;
  loops: readonly string[];
  dbfs: number;
}

export interface VadTransition {
  loop: string;
  on: boolean;
  /** Talkers currently active on the loop, ascending; empty when off. */
  talkers: number[];
}

interface TalkerState {
  above: number;
  below: number;
  on: boolean;
  seen: number;
}

interface LoopState {
  readonly talkers: Map<number, TalkerState>;
  reported: string;
}

export class LoopVad {
  private readonly threshold: number;
  private readonly onFrames: number;
  private readonly hangFrames: number;
  private readonly loops = new Map<string, LoopState>();
  private tick = 0;

  constructor(opts: VadOptions = {}) {
    this.threshold = opts.thresholdDbfs ?? -40;
    this.onFrames = Math.max(1, opts.onFrames ?? 1);
    this.hangFrames = Math.max(1, Math.round((opts.hangoverMs ?? 500) / FRAME_MS));
  }

  /** Loops currently on (for a late joiner's initial state). */
  activeLoops(): VadTransition[] {
    const out: VadTransition[] = [];
    for (const [loop, st] of this.loops) {
      const talkers = onTalkers(st);
      if (talkers.length > 0) out.push({ loop, on: true, talkers });
    }
    return out;
  }

  process(levels: Iterable<VadLevel>): VadTransition[] {
    const t = ++this.tick;
    for (const { ssrc, loops, dbfs } of levels) {
      for (const loop of loops) {
        let ls = this.loops.get(loop);
        if (!ls) this.loops.set(loop, (ls = { talkers: new Map(), reported: '' }));
        let st = ls.talkers.get(ssrc);
        if (!st) ls.talkers.set(ssrc, (st = { above: 0, below: 0, on: false, seen: 0 }));
        st.seen = t;
        if (dbfs >= this.threshold) {
          st.above++;
          st.below = 0;
        } else {
          st.above = 0;
          st.below++;
        }
      }
    }
    const out: VadTransition[] = [];
    for (const [loop, ls] of this.loops) {
      for (const [ssrc, st] of ls.talkers) {
        if (st.seen !== t) {
          st.above = 0;
          st.below++;
        }
        if (!st.on && st.above >= this.onFrames) st.on = true;
        else if (st.on && st.below >= this.hangFrames) st.on = false;
        if (!st.on && st.below >= this.hangFrames) ls.talkers.delete(ssrc);
      }
      const talkers = onTalkers(ls);
      const key = talkers.join(',');
      if (key !== ls.reported) {
        ls.reported = key;
        out.push({ loop, on: talkers.length > 0, talkers });
      }
      if (ls.talkers.size === 0) this.loops.delete(loop);
    }
    return out;
  }
}

function onTalkers(ls: LoopState): number[] {
  const out: number[] = [];
  for (const [ssrc, st] of ls.talkers) if (st.on) out.push(ssrc);
  return out.sort((a, b) => a - b);
}
