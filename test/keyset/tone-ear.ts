// What a Node listener hears of one tone: when its frames arrived, waiting to hear it, and the
// longest silence inside it (the gap a failover test prints and bounds).
import { levelAt } from '../../testkit/signal/index.js';
import type { Operator } from '../support/media-operator.js';

export interface ToneEar {
  /** Arrival times (performance.now) of every received frame with the tone above −40 dBFS. */
  toneAt: () => number[];
  /** Resolves once `frames` tone frames arrived after `t`; throws naming `what` after `timeoutMs`. */
  heardAfter: (t: number, what: string, frames?: number, timeoutMs?: number) => Promise<void>;
  /** The longest gap between tone frames that arrived after `from`. */
  longestSilence: (from: number) => number;
}

export function toneEar(listener: Operator, hz: number, name = 'the listener'): ToneEar {
  const toneAt = () =>
    listener.media.received
      .frames()
      .filter((f) => levelAt(f.pcm, hz) > -40)
      .map((f) => f.arrivedAt);
  return {
    toneAt,
    heardAfter: async (t, what, frames = 25, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (toneAt().filter((x) => x > t).length < frames) {
        if (Date.now() > deadline) throw new Error(`${name} does not hear the tone: ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    longestSilence: (from) => {
      const times = toneAt().filter((x) => x > from);
      return Math.max(0, ...times.slice(1).map((t, i) => t - times[i]!));
    },
  };
}
