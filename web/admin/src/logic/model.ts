// Shapes of the directory records the admin API returns (`get {type, id}`), as the console uses them.
// Records are loose on the server (unknown keys survive), so every type keeps an index signature.
import type { LayoutPosition } from '../../../../src/protocol/client/index.js';

export type ScopeType = 'domain' | 'project';
export type EntityType = 'domain' | 'project' | 'user' | 'role' | 'loop';
export type MemberType = 'user' | 'role' | 'loop';

export interface ScopeRef {
  type: ScopeType;
  id: string;
}

/** A key position (the contract's shape, docs/openvocs-protocol.md §5 `layout_position`). */
export type Position = LayoutPosition;

/** role.layout: loop id → key positions (a single object is accepted on the wire). */
export type RoleLayout = Record<string, Position[] | Position>;

export interface UserRecord {
  id: string;
  name?: string;
  [key: string]: unknown;
}

export interface RoleRecord {
  id: string;
  name?: string;
  abbreviation?: string;
  color?: string;
  /** Members may search and play recordings of the loops the role may monitor (docs/recording.md). */
  playback?: boolean;
  users: Record<string, null>;
  layout?: RoleLayout;
  [key: string]: unknown;
}

export interface Multicast {
  host: string;
  port: number;
}

export interface LoopRecord {
  id: string;
  name?: string;
  abbreviation?: string;
  color?: string;
  multicast?: Multicast;
  /** openvocs: the loop is recorded (docs/recording.md). */
  recorded?: boolean;
  /** true = talk, false = monitor, absent = no access. */
  roles: Record<string, boolean>;
  [key: string]: unknown;
}

export interface ScopeRecord {
  id: string;
  name?: string;
  domain?: string;
  users: Record<string, UserRecord>;
  roles: Record<string, RoleRecord>;
  loops: Record<string, LoopRecord>;
  [key: string]: unknown;
}

/** The role whose members administer a scope (docs/openvocs-protocol.md §7). */
export const ADMIN_ROLE = 'admin';

export function scopeKey(scope: ScopeRef): string {
  return `${scope.type}:${scope.id}`;
}

/** Records come from the server; fill the collections a fresh scope may lack. */
export function normaliseScope(raw: unknown): ScopeRecord {
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Partial<ScopeRecord>;
  const loops: Record<string, LoopRecord> = {};
  for (const [id, loop] of Object.entries(r.loops ?? {})) loops[id] = { ...loop, roles: loop.roles ?? {} };
  const roles: Record<string, RoleRecord> = {};
  for (const [id, role] of Object.entries(r.roles ?? {})) roles[id] = { ...role, users: role.users ?? {} };
  // A domain's `get` also carries its projects (openvocs' shape); the console reads each project on its own.
  const { projects: _projects, ...rest } = r as Partial<ScopeRecord> & { projects?: unknown };
  return { ...rest, id: r.id ?? '', users: r.users ?? {}, roles, loops };
}

/** Roles in display order: operator roles by id, the scope's admin role last (it rarely has loops). */
export function rolesForDisplay(roles: Record<string, unknown>): string[] {
  const ids = sortedIds(roles);
  return [...ids.filter((id) => id !== ADMIN_ROLE), ...ids.filter((id) => id === ADMIN_ROLE)];
}

/** Display order: by id, so the console is stable across reloads. */
export function sortedIds(record: Record<string, unknown>): string[] {
  return Object.keys(record).sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
}
