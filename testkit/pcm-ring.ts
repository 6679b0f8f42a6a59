// A bounded record of received audio for analysis in tests: one entry per 20 ms frame with its
// arrival time and RTP position, so tests can measure frequency, level, gaps and concealment.
// Capacity 0 keeps nothing (only counts): the load tool analyses frames as they arrive instead.
import { FRAME_SAMPLES } from '../src/media/opus.js';

export interface ReceivedFrame {
  /** performance.now() when the packet arrived (ms). */
  arrivedAt: number;
  sequenceNumber: number;
  timestamp: number;
  /** True when the frame is packet-loss concealment for a missing sequence number. */
  concealed: boolean;
  pcm: Int16Array;
}

export class PcmRing {
  private readonly slots: Array<ReceivedFrame | undefined>;
  private next = 0;
  private total = 0;

  /** @param capacityFrames frames kept (default 500 = 10 s of 20 ms frames). */
  constructor(readonly capacityFrames = 500) {
    this.slots = new Array<ReceivedFrame | undefined>(capacityFrames);
  }

  push(frame: ReceivedFrame): void {
    this.total++;
    if (this.capacityFrames === 0) return;
    this.slots[this.next] = frame;
    this.next = (this.next + 1) % this.capacityFrames;
  }

  /** Frames ever pushed (including those already overwritten). */
  get count(): number {
    return this.total;
  }

  /** Frames still held, oldest first. */
  frames(): ReceivedFrame[] {
    const held = Math.min(this.total, this.capacityFrames);
    if (held === 0) return [];
    const out: ReceivedFrame[] = [];
    for (let i = held; i > 0; i--) {
      const f = this.slots[(this.next - i + this.capacityFrames) % this.capacityFrames];
      if (f) out.push(f);
    }
    return out;
  }

  /** The PCM of the newest `n` frames (or all held), concatenated. */
  lastSamples(n = this.capacityFrames): Int16Array {
    const frames = this.frames().slice(-n);
    const out = new Int16Array(frames.length * FRAME_SAMPLES);
    frames.forEach((f, i) => out.set(f.pcm.subarray(0, FRAME_SAMPLES), i * FRAME_SAMPLES));
    return out;
  }

  /** Arrival gaps (ms) between consecutive held frames that exceed `thresholdMs`. */
  gaps(thresholdMs: number): number[] {
    const frames = this.frames();
    const out: number[] = [];
    for (let i = 1; i < frames.length; i++) {
      const d = (frames[i] as ReceivedFrame).arrivedAt - (frames[i - 1] as ReceivedFrame).arrivedAt;
      if (d > thresholdMs) out.push(d);
    }
    return out;
  }

  clear(): void {
    this.slots.fill(undefined);
    this.next = 0;
    this.total = 0;
  }
}
