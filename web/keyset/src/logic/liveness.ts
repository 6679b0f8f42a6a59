// Liveness of a backend's socket. A killed backend's socket closes at once (the kernel resets it), but a
// hung or cut-off backend keeps it open for minutes: while a socket is ready, the keyset sends `ping`
// (Loopcast extension, answered ahead of queued requests) every LIVENESS_INTERVAL_MS and gives the
// backend up when an answer takes longer than livenessTimeout(). The openvocs C backend closes a socket
// on an unknown event: a backend that closed or refused the first ping is never pinged again.

export const LIVENESS_INTERVAL_MS = 400;
export const LIVENESS_TIMEOUT_MS = 800;
/** With no other backend up, giving one up only shows the outage: wait longer before (a short stall is not one). */
export const LIVENESS_TIMEOUT_ALONE_MS = 5_000;
/**
 * …and ping seldom: a ping costs the server ~0.1 ms, at 2.5 per second that is twice an idle operator's
 * whole cost, paid only where a fast failover is possible (another backend up).
 */
export const LIVENESS_INTERVAL_ALONE_MS = 2_500;

/** How long a ping may go unanswered: short when another backend is up and can take over. */
export function livenessTimeout(othersReady: boolean): number {
  return othersReady ? LIVENESS_TIMEOUT_MS : LIVENESS_TIMEOUT_ALONE_MS;
}

/** How long after an answer the next ping goes out. */
export function livenessInterval(othersReady: boolean): number {
  return othersReady ? LIVENESS_INTERVAL_MS : LIVENESS_INTERVAL_ALONE_MS;
}

/** How one ping ended: an answer, an error reply, no reply in time, the socket closed first. */
export type PingOutcome = 'answered' | 'refused' | 'silent' | 'closed';

/** What the backend does next: ping again, stop pinging this socket, or fail the backend over. */
export type LivenessStep = 'again' | 'stop' | 'fail';

/** Per backend (kept across its reconnects): whether it answers `ping`, learnt from the first one. */
export class PingSupport {
  /** undefined until a first ping ended. */
  supported: boolean | undefined;

  get enabled(): boolean {
    return this.supported !== false;
  }

  next(outcome: PingOutcome): LivenessStep {
    switch (outcome) {
      case 'answered':
        this.supported = true;
        return 'again';
      case 'refused':
        // Known to answer ping: a refusal is an answer all the same, it is alive.
        if (this.supported === true) return 'again';
        this.supported = false;
        return 'stop';
      case 'closed':
        // The first ping closed the socket: the openvocs C backend does that to unknown events.
        if (this.supported === undefined) this.supported = false;
        return 'stop';
      case 'silent':
        return 'fail';
    }
  }
}
