// Tenant scope for admin queries: what an admin may see is what lies in the scopes they administer.
// openvocs ids are unique across the directory, so "exists" answered globally would tell one tenant
// which ids, users and ports another tenant uses (docs/security.md).
import type { Directory, Scope } from '../../directory/directory.js';
import { ENTITY_KINDS, ownerScope, type EntityKind } from '../../directory/entities.js';
import { ADMIN_ROLE } from '../../directory/permissions.js';
import { ProtocolError } from '../../protocol/errors.js';

const sameScope = (a: Scope, b: Scope): boolean => a.kind === b.kind && a.id === b.id;

function administers(directory: Directory, user: string, scope: Scope | undefined): boolean {
  return scope !== undefined && directory.adminScopes(user).some((s) => sameScope(s, scope));
}

/** Admin rights somewhere are needed for any admin query (5000 otherwise). */
export function requireAnyAdmin(directory: Directory, user: string): void {
  if (!directory.isAnyAdmin(user)) throw ProtocolError.auth('admin rights required');
}

/** Does the id exist in a scope this user administers? (`admin` roles exist per scope and never count.) */
export function idExistsFor(directory: Directory, user: string, id: string, kind?: EntityKind): boolean {
  const kinds = kind ? [kind] : ENTITY_KINDS;
  return kinds.some((k) => !(k === 'role' && id === ADMIN_ROLE) && administers(directory, user, ownerScope(directory, k, id)));
}

/** The highest multicast port of the loops this user administers (0 when none). */
export function highestPortFor(directory: Directory, user: string): number {
  let port = 0;
  for (const scope of directory.adminScopes(user)) for (const loop of Object.values(scope.data.loops)) port = Math.max(port, loop.multicast?.port ?? 0);
  return port;
}

/** A user this admin may name (e.g. to make them an admin): one living in a scope they administer. */
export function userVisibleTo(directory: Directory, admin: string, user: string): boolean {
  return administers(directory, admin, directory.findUser(user)?.scope);
}

/** `load` and a full `save` act on every tenant's files: only an admin of every domain may. */
export function administersEveryDomain(directory: Directory, user: string): boolean {
  const domains = directory.allDomains();
  return domains.length > 0 && domains.every((d) => directory.isAdmin(user, d));
}
