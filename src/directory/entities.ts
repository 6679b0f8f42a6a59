// Addressing directory entities the way the openvocs admin API does: by kind and id, no scope.
import type { Directory, Scope } from './directory.js';
import { ADMIN_ROLE } from './permissions.js';

export const ENTITY_KINDS = ['domain', 'project', 'user', 'role', 'loop'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

export const COLLECTION = { user: 'users', role: 'roles', loop: 'loops' } as const;
export type MemberKind = keyof typeof COLLECTION;

export function isMemberKind(kind: EntityKind): kind is MemberKind {
  return kind === 'user' || kind === 'role' || kind === 'loop';
}

/** The scope an entity lives in (a domain or project is its own scope). */
export function ownerScope(directory: Directory, kind: EntityKind, id: string): Scope | undefined {
  if (kind === 'domain') return directory.domain(id);
  if (kind === 'project') return directory.project(id);
  return directory.ownerOf(COLLECTION[kind], id);
}

/** The entity's JSON record (live object: mutate, then commit its scope). */
export function entityRecord(directory: Directory, kind: EntityKind, id: string): Record<string, unknown> | undefined {
  const scope = ownerScope(directory, kind, id);
  if (!scope) return undefined;
  if (!isMemberKind(kind)) return scope.data;
  const collection: Record<string, Record<string, unknown>> = scope.data[COLLECTION[kind]];
  return Object.hasOwn(collection, id) ? collection[id] : undefined;
}

/** Deep copy without any password object: replies never carry secrets. */
export function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (typeof value !== 'object' || value === null) return value;
  const out = Object.create(null) as Record<string, unknown>;
  for (const [key, inner] of Object.entries(value)) if (key !== 'password') out[key] = withoutSecrets(inner);
  return out;
}

/** Is an id of this kind already used anywhere (ids are unique per kind; `admin` roles are per scope)? */
export function idExists(directory: Directory, kind: EntityKind, id: string): boolean {
  if (kind === 'role' && id === ADMIN_ROLE) return false;
  return ownerScope(directory, kind, id) !== undefined;
}

/** Remove every reference to a deleted role, loop or user inside a scope. */
export function dropReferences(scope: Scope, kind: MemberKind, id: string): void {
  if (kind === 'user') for (const role of Object.values(scope.data.roles)) delete role.users[id];
  if (kind === 'role') for (const loop of Object.values(scope.data.loops)) delete loop.roles[id];
  if (kind === 'loop') for (const role of Object.values(scope.data.roles)) if (role.layout) delete role.layout[id];
}

export function highestMulticastPort(directory: Directory): number {
  let port = 0;
  for (const domain of directory.allDomains()) {
    for (const scope of [domain, ...directory.projectsOf(domain.id)]) {
      for (const loop of Object.values(scope.data.loops)) port = Math.max(port, loop.multicast?.port ?? 0);
    }
  }
  return port;
}
