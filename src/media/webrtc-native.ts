// The one place that loads node-datachannel (libdatachannel), for the edge and for the load tool's
// client alike: typed constructors plus the two helpers every user of its callbacks needs.
import nodeDataChannel from 'node-datachannel';
import type { PeerConnection, Track } from 'node-datachannel';

export type { Audio, PeerConnection, RtcConfig, Track } from 'node-datachannel';

export const native = {
  PeerConnection: nodeDataChannel.PeerConnection,
  Audio: nodeDataChannel.Audio,
};

/**
 * Wraps a callback handed to native code. A JS exception escaping a node-datachannel callback is
 * rethrown as a C++ exception on the native side and aborts the whole process ("terminate called
 * after throwing an instance of 'Napi::Error'"). So every callback catches, and hands the error to
 * `onFault` (which ends the one session it belongs to); nothing is rethrown, so one session's bug
 * never takes the process and everyone else's audio with it. `onFault` itself is guarded too.
 */
export function guard<A extends unknown[]>(fn: (...args: A) => void, onFault: (err: unknown) => void = reportFault): (...args: A) => void {
  return (...args: A) => {
    try {
      fn(...args);
    } catch (err) {
      try {
        onFault(err);
      } catch (again) {
        reportFault(again);
      }
    }
  };
}

/** Last resort for a fault without an owner: a process warning (stderr), never a crash. */
function reportFault(err: unknown): void {
  process.emitWarning(`node-datachannel callback failed: ${err instanceof Error ? err.message : String(err)}`, 'LoopcastMediaWarning');
}

/**
 * node-datachannel creates a ref'd thread-safe function for every PeerConnection and Track and
 * releases it only when the native 'closed' event reaches JS, which is wired up only if JS
 * registered onStateChange / onClosed. Without these no-op registrations a closed connection keeps
 * the event loop alive forever (the process never exits).
 */
export function wireCleanup(target: PeerConnection | Track): void {
  if ('onStateChange' in target) target.onStateChange(() => undefined);
  else target.onClosed(() => undefined);
}
