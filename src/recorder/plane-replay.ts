// The replay sink on the embedded media plane, through its public surface only: the replay is a
// private loop in the listener's mix (engine volume), packets enter the engine as local packets of
// that loop (never put on the bus: nobody else joins it), paced once per 20 ms frame by the plane's clock.
import type { RtpPacket } from '../media/rtp.js';
import type { ReplaySink } from './replay.js';

/** What a replay needs from the media plane (MediaPlane satisfies it). */
export interface ReplayPlane {
  readonly engine: { setVolume(listenerId: string, loop: string, volume: number | undefined): void };
  /** Once per 20 ms frame (the clock itself ticks once per mixing phase). */
  everyFrame(fn: () => void): () => void;
  forward(loop: { key: string }, packet: RtpPacket): void;
}

export function planeReplaySink(plane: ReplayPlane): ReplaySink {
  return {
    attach(listenerId, key, volume) {
      try {
        plane.engine.setVolume(listenerId, key, volume);
        return true;
      } catch {
        // No such listener: the client has no media session.
        return false;
      }
    },
    push: (key, packet) => plane.forward({ key }, packet),
    detach(listenerId, key) {
      try {
        plane.engine.setVolume(listenerId, key, undefined);
      } catch {
        // The listener is gone already.
      }
    },
    every20ms: (fn) => plane.everyFrame(fn),
  };
}
