// Applying a socket's loop state: hub membership, media plane, broadcasts. Shared by switches, leaving
// on logout/close, and rights revoked by an admin.
import type { LoopState } from '../../directory/permissions.js';
import type { MediaLoop } from '../../media/control.js';
import type { PushParams } from '../../protocol/contract.js';
import { push } from '../../protocol/envelope.js';
import type { Connection } from '../connection.js';
import { loopKey, type Participant } from '../hub.js';
import { loggedIn } from './guards.js';
import type { Services } from '../services.js';
import { trailActor, trailLoopState, trailTalk } from '../../log/trail.js';

export function mediaLoop(services: Services, conn: Connection, loopId: string): MediaLoop {
  const { scope } = loggedIn(conn);
  const key = loopKey(scope, loopId);
  const loop = services.directory.loop(scope, loopId);
  return loop?.multicast ? { key, multicast: { host: loop.multicast.host, port: loop.multicast.port } } : { key };
}

export function setTalking(services: Services, conn: Connection, loopId: string, talking: boolean): void {
  const login = conn.login;
  if (!login || talking === conn.talking.has(loopId)) return;
  if (talking) conn.talking.add(loopId);
  else conn.talking.delete(loopId);
  conn.media?.setTalking(mediaLoop(services, conn, loopId), talking);
  trailTalk(services, trailActor(conn), loopId, talking);
  services.hub.toLoop(
    loopKey(login.scope, loopId),
    push('talking', 'loop_broadcast', { loop: loopId, state: talking, user: login.user, role: conn.role ?? '', client: conn.clientId }),
  );
}

/**
 * Move this socket's loop to `state`. A loop broadcast goes out when the participant set changes
 * (join or leave; the openvocs backend sends none for recv↔send, see the wire trace); the user
 * broadcast is the caller's business. Returns the participants after the change.
 */
export function applyLoopState(services: Services, conn: Connection, loopId: string, state: LoopState, volume: number): Participant[] {
  const login = conn.login;
  if (!login) return [];
  const key = loopKey(login.scope, loopId);
  const previous = conn.loopState(loopId);
  if (previous === 'send' && state !== 'send') setTalking(services, conn, loopId, false);
  if (state === 'none') conn.loopStates.delete(loopId);
  else conn.loopStates.set(loopId, state);
  services.hub.setMember(conn, key, state !== 'none');
  trailLoopState(services, trailActor(conn), loopId, previous, state);
  conn.media?.setLoop(mediaLoop(services, conn, loopId), state, volume);
  const participants = services.hub.participants(key);
  if ((previous === 'none') !== (state === 'none')) {
    services.hub.toLoop(key, push('switch_loop_state', 'loop_broadcast', loopEventParams(conn, loopId, state, participants)));
  }
  return participants;
}

export function loopEventParams(conn: Connection, loopId: string, state: LoopState, participants: Participant[]): PushParams<'switch_loop_state'> {
  return { loop: loopId, state, user: conn.login?.user ?? '', role: conn.role ?? '', client: conn.clientId, participants };
}
