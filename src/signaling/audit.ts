// Which events are audited and how an entry describes them. The context (target and its scope) is
// taken before the change runs, so a deleted entity is still attributed to its domain and project.
import type { AuditEntry } from '../directory/audit-log.js';
import type { Scope } from '../directory/directory.js';
import { ENTITY_KINDS, ownerScope, type EntityKind } from '../directory/entities.js';
import type { Request } from '../protocol/envelope.js';
import type { Connection } from './connection.js';
import type { Services } from './services.js';

export const AUDITED_EVENTS = new Set([
  'create', 'update', 'update_key', 'delete_key', 'delete', 'update_password', 'set_layout',
  'add_domain_admin', 'add_project_admin', 'save', 'load', 'set_keyset_layout', 'broadcast',
  'permit_call', 'revoke_call', 'admin_ldap_test',
]);

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const isKind = (v: unknown): v is EntityKind => typeof v === 'string' && (ENTITY_KINDS as readonly string[]).includes(v);

function targetOf(services: Services, event: string, p: Record<string, unknown>): { target: AuditEntry['target']; scope: Scope | undefined } {
  const { directory } = services;
  if (isKind(p.type) && str(p.id)) {
    const id = p.id as string;
    const scopeParam = p.scope as { type?: unknown; id?: unknown } | undefined;
    const scope =
      event === 'create' && (scopeParam?.type === 'domain' || scopeParam?.type === 'project') && str(scopeParam.id)
        ? directory.scope(scopeParam.type, scopeParam.id as string)
        : ownerScope(directory, p.type, id);
    return { target: { type: p.type, id }, scope };
  }
  if (event === 'update_password' && str(p.user)) return { target: { type: 'user', id: p.user as string }, scope: directory.findUser(p.user as string)?.scope };
  if (event === 'set_layout' && str(p.role)) return { target: { type: 'role', id: p.role as string }, scope: directory.ownerOf('roles', p.role as string) };
  if ((event === 'add_domain_admin' || event === 'set_keyset_layout') && str(p.domain)) return { target: { type: 'domain', id: p.domain as string }, scope: directory.domain(p.domain as string) };
  if ((event === 'permit_call' || event === 'revoke_call') && str(p.loop)) return { target: { type: 'loop', id: p.loop as string }, scope: directory.ownerOf('loops', p.loop as string) };
  if (event === 'add_project_admin' && str(p.project)) return { target: { type: 'project', id: p.project as string }, scope: directory.project(p.project as string) };
  return { target: null, scope: undefined };
}

function summarize(event: string, target: AuditEntry['target'], p: Record<string, unknown>): string {
  const parts = [event];
  if (target) parts.push(target.type, target.id);
  if (event === 'update' && typeof p.data === 'object' && p.data !== null) parts.push(`(${Object.keys(p.data).join(', ')})`);
  if ((event === 'update_key' || event === 'delete_key') && str(p.key)) parts.push(`key ${p.key as string}`);
  if ((event === 'add_domain_admin' || event === 'add_project_admin') && str(p.user)) parts.push(`admin ${p.user as string}`);
  if (event === 'set_keyset_layout' && str(p.name)) parts.push(`layout ${p.name as string}`);
  if (event === 'broadcast' && str(p.type)) parts.push(p.type as string);
  if (event === 'admin_ldap_test' && str(p.user)) parts.push(`user ${p.user as string}`);
  if (str(p.caller)) parts.push(`caller ${p.caller as string}`);
  if (str(p.callee)) parts.push(`callee ${p.callee as string}`);
  return parts.join(' ');
}

/** The entry to append if the request succeeds; undefined for events that are not audited. */
export function auditEntry(services: Services, conn: Connection, request: Request): AuditEntry | undefined {
  if (!AUDITED_EVENTS.has(request.event) || !conn.login) return undefined;
  const p = request.parameter;
  const { target, scope } = targetOf(services, request.event, p);
  const home = scope ?? conn.login.scope;
  return {
    time: new Date().toISOString(),
    user: conn.login.user,
    event: request.event,
    target,
    domain: home.domainId,
    project: home.kind === 'project' ? home.id : null,
    summary: summarize(request.event, target, p),
  };
}
