// Directory changes apply live: a socket whose rights shrank is moved down (talk → monitor → off) with
// the usual broadcasts and a `loop_state_forced` push; a socket whose user or role is gone gets `session_ended`
// and is closed (its client logs in again); every other socket of the scope gets its role's loops again.
import type { Scope } from '../directory/directory.js';
import { clampState, isRoleMember, loopPermission } from '../directory/permissions.js';
import { push } from '../protocol/envelope.js';
import type { Connection } from './connection.js';
import { applyLoopState, loopEventParams } from './handlers/loop-effects.js';
import { pushForcedState, pushRoleLoops, pushSessionEnded } from './keyset-live.js';
import type { Services } from './services.js';

function reconcileConnection(services: Services, conn: Connection): void {
  const login = conn.login;
  if (!login) return;
  const { directory, state, hub, log } = services;
  const ref = directory.findUser(login.user);
  const role = conn.role ? directory.role(login.scope, conn.role) : undefined;
  if (!ref || ref.scope !== login.scope || (conn.role && (!role || !isRoleMember(role, login.user)))) {
    pushSessionEnded(conn, !ref || ref.scope !== login.scope ? 'user_removed' : 'role_removed');
    log.info({ conn: conn.id, user: login.user, role: conn.role }, 'rights revoked: closing socket');
    conn.close(4001, 'user or role removed');
    return;
  }
  if (!conn.role) return;
  for (const [loopId, current] of [...conn.loopStates]) {
    const loop = directory.loop(login.scope, loopId);
    const next = clampState(loop ? loopPermission(loop, conn.role) : 'none', current);
    if (next === current) continue;
    const volume = state.loopSetting(login.user, conn.role, loopId).volume;
    pushForcedState(conn, loopId, next, loop ? 'permission' : 'removed');
    const participants = applyLoopState(services, conn, loopId, next, volume);
    hub.toUser(login.user, push('switch_loop_state', 'user_broadcast', loopEventParams(conn, loopId, next, participants)));
    log.info({ conn: conn.id, user: login.user, loop: loopId, from: current, to: next }, 'loop state reduced after permission change');
  }
}

export function watchDirectory(services: Services): () => void {
  const onChange = (scope: Scope): void => {
    for (const conn of services.hub.connections) {
      if (conn.login?.scope !== scope) continue;
      reconcileConnection(services, conn);
      pushRoleLoops(services, conn); // new, removed and re-permitted loops and layout reach the keyset live
    }
  };
  const onRemoved = (scope: Scope): void => {
    for (const conn of services.hub.connections) {
      if (conn.login?.scope !== scope) continue;
      pushSessionEnded(conn, 'scope_removed');
      conn.close(4001, 'scope removed');
    }
  };
  services.directory.on('changed', onChange);
  services.directory.on('removed', onRemoved);
  return () => {
    services.directory.off('changed', onChange);
    services.directory.off('removed', onRemoved);
  };
}
