// Readiness checks of a process without signaling (a media host, a mixer host): is its announcement
// seen on the control plane, and can it take another session? Pure: they read what they are given.
import type { CheckResult } from './probes.js';

/**
 * Announced: this process's own heartbeat came back through NATS and is in its registry. It drops out
 * after the expiry while NATS is unreachable: the others no longer see this host either.
 */
export function announcedCheck(liveIds: Iterable<string>, id: string): CheckResult {
  for (const live of liveIds) if (live === id) return { ok: true };
  return { ok: false, detail: 'not announced: its own heartbeat is not seen on the control plane' };
}

/** Free capacity: a full host is alive but cannot take a new session (a mixer host: listener). */
export function capacityCheck(sessions: number, capacity: number, unit = 'session(s)'): CheckResult {
  const detail = `${sessions} of ${capacity} ${unit}`;
  return sessions < capacity ? { ok: true, detail } : { ok: false, detail: `full: ${detail}` };
}
