// Loopcast admin extensions for the console (docs/protocol.md): the live view of connected
// operators and the audit log, both limited to the scopes the caller administers.
import type { AuditEntry } from '../../directory/audit-log.js';
import type { JsonObject } from '../../protocol/envelope.js';
import { ProtocolError } from '../../protocol/errors.js';
import { paramsOf } from '../../protocol/schemas.js';
import type { HandlerContext, HandlerTable } from '../services.js';
import { loggedIn } from './guards.js';

function adminOnly(ctx: HandlerContext): void {
  if (!ctx.services.directory.isAnyAdmin(loggedIn(ctx.conn).user)) throw ProtocolError.auth('admin rights required');
}

function live(ctx: HandlerContext): JsonObject {
  adminOnly(ctx);
  const { directory, hub } = ctx.services;
  const scopes = new Set(directory.adminScopes(loggedIn(ctx.conn).user));
  const sockets = [...hub.connections]
    .filter((c) => c.login !== undefined && scopes.has(c.login.scope))
    .map((c) => ({
      client: c.clientId,
      user: c.login?.user ?? '',
      role: c.role ?? null,
      scope: { type: c.login?.scope.kind ?? 'project', id: c.login?.scope.id ?? '' },
      address: c.remoteAddress,
      loops: Object.fromEntries(c.loopStates),
      talking: [...c.talking],
      media: c.media ? c.media.stats() : null,
    }));
  return { sockets };
}

function audit(ctx: HandlerContext): JsonObject {
  adminOnly(ctx);
  const { limit } = paramsOf('admin_audit', ctx.request.parameter);
  const { directory, audit: log } = ctx.services;
  const user = loggedIn(ctx.conn).user;
  const visible = (entry: AuditEntry): boolean => {
    const project = entry.project ? directory.project(entry.project) : undefined;
    if (project && directory.isAdmin(user, project)) return true;
    const domain = entry.domain ? directory.domain(entry.domain) : undefined;
    return domain !== undefined && directory.isAdmin(user, domain);
  };
  return { entries: log.query(visible, limit ?? 200) };
}

export const adminMonitorHandlers: HandlerTable = {
  admin_live: { auth: 'login', handle: live },
  admin_audit: { auth: 'login', handle: audit },
};
