// Leaving everything when a socket logs out or goes away: loops (with broadcasts) and media.
// Persisted loop states stay: they are the user's choice, restored on the next login.
import type { Connection } from '../connection.js';
import type { Services } from '../services.js';
import { applyLoopState } from './loop-effects.js';

export function leaveEverything(services: Services, conn: Connection): void {
  for (const loopId of [...conn.loopStates.keys()]) applyLoopState(services, conn, loopId, 'none', 0);
  conn.media?.close();
  conn.media = undefined;
  services.hub.unsubscribeAll(conn);
}
