// Which loops a socket may see and act on for telephony: with an authorized role, the role's loops
// (openvocs clients); without one, every loop of the scopes the user administers (the admin console).
import type { Scope } from '../../directory/directory.js';
import { loopKey } from '../../directory/loop-key.js';
import { loopPermission } from '../../directory/permissions.js';
import type { LoopRecord } from '../../directory/schema.js';
import { ProtocolError } from '../../protocol/errors.js';
import type { HandlerContext } from '../services.js';
import { loggedIn } from './guards.js';

export interface VisibleLoop {
  id: string;
  scope: Scope;
  loop: LoopRecord;
}

/** Bus key → loop, for the loops this socket may see calls and permissions of. */
export function visibleLoops({ conn, services }: HandlerContext): Map<string, VisibleLoop> {
  const login = loggedIn(conn);
  const out = new Map<string, VisibleLoop>();
  if (conn.role) {
    for (const { loop, permission } of services.directory.loopsOfRole(login.scope, conn.role)) {
      if (permission !== 'none') out.set(loopKey(login.scope, loop.id), { id: loop.id, scope: login.scope, loop });
    }
    return out;
  }
  const scopes = services.directory.adminScopes(login.user);
  if (scopes.length === 0) throw ProtocolError.auth('no role authorized');
  for (const scope of scopes) for (const loop of Object.values(scope.data.loops)) out.set(loopKey(scope, loop.id), { id: loop.id, scope, loop });
  return out;
}

/**
 * A loop the socket may act on (hang up a call, see permissions): talk permission for a role, admin
 * rights on the loop's scope without one. Refusals do not tell unknown loops from forbidden ones.
 */
export function actionableLoop(ctx: HandlerContext, loopId: string): VisibleLoop {
  const { conn, services } = ctx;
  const login = loggedIn(conn);
  if (conn.role) {
    const loop = services.directory.loop(login.scope, loopId);
    if (!loop || loopPermission(loop, conn.role) !== 'send') throw ProtocolError.permission(`no talk permission on loop ${loopId}`);
    return { id: loopId, scope: login.scope, loop };
  }
  return administeredLoop(ctx, loopId);
}

/** A loop of a scope the user administers (call permissions are admin changes). */
export function administeredLoop({ conn, services }: HandlerContext, loopId: string): VisibleLoop {
  const login = loggedIn(conn);
  const scope = services.directory.ownerOf('loops', loopId);
  const loop = scope ? services.directory.loop(scope, loopId) : undefined;
  if (!scope || !loop || !services.directory.isAdmin(login.user, scope)) throw ProtocolError.auth(`admin rights on loop ${loopId} required`);
  return { id: loopId, scope, loop };
}
