// Loads node-datachannel for the load tool's WebRTC client. The server has its own loader in
// src/media/edge; the load tool must not depend on server internals (it runs against any
// openvocs-protocol backend), so the two small helpers it needs live here as well.
import nodeDataChannel from 'node-datachannel';
import type { PeerConnection, Track } from 'node-datachannel';

export type { PeerConnection, Track } from 'node-datachannel';

export const native = {
  PeerConnection: nodeDataChannel.PeerConnection,
  Audio: nodeDataChannel.Audio,
};

/**
 * Wraps a callback handed to native code: a JS exception escaping a node-datachannel callback
 * aborts the whole process, so rethrow it on a clean stack where Node's normal handling applies.
 */
export function guard<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
  return (...args: A) => {
    try {
      fn(...args);
    } catch (err) {
      setImmediate(() => {
        throw err;
      });
    }
  };
}

/**
 * node-datachannel releases a connection's thread-safe function only when its 'closed' event
 * reaches JS, which is wired only if JS registered a handler: without these no-ops a closed
 * connection keeps the event loop (and the benchmark process) alive forever.
 */
export function wireCleanup(target: PeerConnection | Track): void {
  if ('onStateChange' in target) target.onStateChange(() => undefined);
  else target.onClosed(() => undefined);
}
