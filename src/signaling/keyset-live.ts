// What keeps a logged-in keyset truthful without a reload (Loopcast extensions, docs/protocol.md "Extensions"):
// the role's loops pushed again after an admin change, server-forced loop switches and the end of a session
// announced to the socket concerned, and display names next to participant ids. openvocs clients ignore
// unknown events and fields.
import { layoutPositions } from '../directory/layout.js';
import type { Scope } from '../directory/directory.js';
import { clampState, type LoopState } from '../directory/permissions.js';
import type { PushParams } from '../protocol/contract.js';
import { push } from '../protocol/envelope.js';
import type { Connection } from './connection.js';
import { loopKey, type Participant } from './hub.js';
import type { Services } from './services.js';

export type RoleLoops = PushParams<'role_loops_changed'>['loops'];

/** The `role_loops` answer for this socket's role; subscribes the socket to every listed loop's broadcasts. */
export function roleLoopsOf(services: Services, conn: Connection): RoleLoops {
  const login = conn.login;
  const role = conn.role;
  if (!login || !role) return {};
  const entries = services.directory.loopsOfRole(login.scope, role);
  const roleRecord = services.directory.role(login.scope, role);
  const positions = layoutPositions(entries.map((e) => e.loop.id), roleRecord?.layout);
  const loops: RoleLoops = {};
  for (const { loop, permission } of entries) {
    if (permission === 'none') continue; // loopsOfRole lists permitted loops only; this narrows the type
    const { roles: _roles, ...visible } = loop;
    const setting = services.state.loopSetting(login.user, role, loop.id);
    loops[loop.id] = {
      ...visible,
      name: loop.name ?? loop.id,
      type: 'audio',
      permission,
      state: clampState(permission, setting.state), // a stored talk the role lost reads as monitor
      volume: setting.volume,
      layout_position: positions.get(loop.id) ?? [],
    };
    services.hub.subscribe(conn, loopKey(login.scope, loop.id));
  }
  return loops;
}

/** After an admin change of the socket's scope: the role's loops as they are now (new, removed, permissions, layout). */
export function pushRoleLoops(services: Services, conn: Connection): void {
  if (!conn.login || !conn.role || conn.closed) return;
  conn.send(push('role_loops_changed', 'unicast', { loops: roleLoopsOf(services, conn) }));
}

/** The server switched this socket's loop by itself; the client applies and announces it. */
export function pushForcedState(conn: Connection, loop: string, state: LoopState, reason: PushParams<'loop_state_forced'>['reason']): void {
  conn.send(push('loop_state_forced', 'unicast', { loop, state, reason }));
}

/** Sent right before the server closes a socket whose user, role or scope is gone. */
export function pushSessionEnded(conn: Connection, reason: PushParams<'session_ended'>['reason']): void {
  conn.send(push('session_ended', 'unicast', { reason }));
}

/** The user's and role's display names (the ids where none is set). */
export function displayNames(services: Services, scope: Scope, user: string, role: string): { user_name: string; role_name: string } {
  const userRecord = services.directory.findUser(user)?.user;
  const roleRecord = role ? services.directory.role(scope, role) : undefined;
  return { user_name: userRecord?.name || user, role_name: roleRecord?.name || role };
}

/** Participants with display names, for replies and broadcasts. */
export function namedParticipants(services: Services, scope: Scope, participants: Participant[]): Array<Participant & { user_name: string; role_name: string }> {
  return participants.map((p) => ({ ...p, ...displayNames(services, scope, p.user, p.role) }));
}
