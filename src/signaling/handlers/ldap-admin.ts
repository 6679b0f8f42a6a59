// The console's LDAP page (docs/ldap.md): the configured directory, read-only (it lives in the
// configuration file and is not changed at runtime), and a test login that binds as a user without
// logging in or provisioning. Admins only; failures count for the login throttle like logins; the
// password is never logged or echoed in the audit log.
import type { JsonObject } from '../../protocol/envelope.js';
import { ProtocolError } from '../../protocol/errors.js';
import { paramsOf } from '../../protocol/schemas.js';
import type { HandlerContext, HandlerTable } from '../services.js';
import { loggedIn, requireAdmin } from './guards.js';

function requireAnyAdmin(ctx: HandlerContext): void {
  const login = loggedIn(ctx.conn);
  requireAdmin(ctx.services, ctx.conn, ctx.services.directory.adminScopes(login.user)[0]);
}

/** Tenants see their own part of the role mapping only: project ids of other tenants are theirs. */
function administers(ctx: HandlerContext, scopeId: string): boolean {
  const { directory } = ctx.services;
  const scope = directory.project(scopeId) ?? directory.domain(scopeId);
  return scope !== undefined && directory.isAdmin(loggedIn(ctx.conn).user, scope);
}

function settings(ctx: HandlerContext): JsonObject {
  requireAnyAdmin(ctx);
  const ldap = ctx.services.ldap;
  if (!ldap) return { enabled: false };
  const c = ldap.settings;
  return {
    enabled: true,
    url: c.url,
    startTls: c.startTls,
    tls: { ...(c.tls.ca !== undefined ? { ca: c.tls.ca } : {}), rejectUnauthorized: c.tls.rejectUnauthorized },
    timeoutMs: c.timeoutMs,
    ...(c.userDn !== undefined ? { userDn: c.userDn } : {}),
    // The service account's password stays on the server.
    ...(c.search ? { search: { bindDn: c.search.bindDn, base: c.search.base, filter: c.search.filter } } : {}),
    nameAttribute: c.nameAttribute,
    ...(c.groups ? { groups: { ...c.groups } } : {}),
    projects: c.projects.filter((p) => administers(ctx, p.project)).map((p) => ({ project: p.project, roles: { ...p.roles } })),
  };
}

async function testLogin(ctx: HandlerContext): Promise<JsonObject> {
  requireAnyAdmin(ctx);
  const { user, password } = paramsOf('admin_ldap_test', ctx.request.parameter);
  const ldap = ctx.services.ldap;
  if (!ldap) return { result: 'disabled', message: 'LDAP login is not configured on this server' };
  // A test is a password guess like a login: the same throttle (per user and address) applies.
  const { throttle } = ctx.services;
  const address = ctx.conn.remoteAddress;
  const wait = throttle.retryAfter(user, address, Date.now());
  if (wait > 0) {
    const retryAfterSeconds = Math.ceil(wait / 1000);
    throw ProtocolError.named('loginThrottled', `too many failed logins; retry in ${retryAfterSeconds} s`, { details: { retryAfterSeconds } });
  }
  const local = ctx.services.directory.findUser(user)?.user.password !== undefined;
  const note = local ? ` Note: ${user} has a local password, so a real login checks that and never asks LDAP.` : '';
  const probe = await ldap.probe(user, password);
  if (probe.result === 'refused' || probe.result === 'unmapped') throttle.recordFailure(user, address, Date.now());
  switch (probe.result) {
    case 'ok': {
      const { entry, grant } = probe;
      if (!administers(ctx, grant.project)) return { result: 'ok', message: `${user} binds as ${entry.dn}; its roles are in a project you do not administer.${note}`, dn: entry.dn };
      return {
        result: 'ok',
        message: `${user} binds as ${entry.dn} and would get ${grant.roles.join(', ')} in ${grant.project}.${note}`,
        dn: entry.dn,
        ...(entry.name !== undefined ? { name: entry.name } : {}),
        groups: entry.groups,
        project: grant.project,
        roles: grant.roles,
      };
    }
    case 'unmapped':
      return { result: 'unmapped', message: `${user} binds as ${probe.entry.dn}, but none of its groups (${probe.entry.groups.join(', ') || 'none'}) is mapped to a role: login is refused.${note}`, dn: probe.entry.dn, groups: probe.entry.groups };
    case 'refused':
      return { result: 'refused', message: `The directory refused ${user}: unknown name, ambiguous name or wrong password.${note}` };
    case 'unavailable':
      return { result: 'unavailable', message: `The directory cannot be asked: ${probe.reason}` };
  }
}

export const ldapAdminHandlers: HandlerTable = {
  admin_ldap_settings: { auth: 'login', handle: settings },
  admin_ldap_test: { auth: 'login', handle: testLogin },
};
