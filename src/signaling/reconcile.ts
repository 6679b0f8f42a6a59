// Directory changes apply live: a socket whose rights shrank is moved down (talk → monitor → off) with
// the usual broadcasts and a `loop_state_forced` push; a socket whose user or role is gone gets `session_ended`
// and is closed (its client logs in again); every other socket of the scope gets its role's loops again.
// Stored loop states (state.json) the new rights no longer allow are rewritten durably, also for users
// who are not logged in, so the file says what `role_loops` reports.
import type { Scope } from '../directory/directory.js';
import { clampState, isRoleMember, loopPermission, type LoopPermission } from '../directory/permissions.js';
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

/** Permission of a stored (user, role, loop) entry; undefined where one of them is unknown. */
function storedPermission(services: Services, userId: string, roleId: string, loopId: string): LoopPermission | undefined {
  const { directory } = services;
  const scope = directory.findUser(userId)?.scope;
  const role = scope ? directory.role(scope, roleId) : undefined;
  const loop = scope ? directory.loop(scope, loopId) : undefined;
  if (!role || !loop) return undefined;
  return loopPermission(loop, roleId);
}

/** Rewrites stored states the directory no longer allows; a failed write is retried at the next change. */
function clampStoredStates(services: Services): void {
  services.state.clampStates((user, role, loop) => storedPermission(services, user, role, loop)).then(
    (rewritten) => {
      if (rewritten > 0) services.log.info({ rewritten }, 'stored loop states reduced to the current permissions');
    },
    (err: unknown) => services.log.warn({ err }, 'stored loop states not reduced (write failed); retried at the next directory change'),
  );
}

export function watchDirectory(services: Services): () => void {
  clampStoredStates(services); // the files may have been edited while the server was down
  const onChange = (scope: Scope): void => {
    clampStoredStates(services);
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
