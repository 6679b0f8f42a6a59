// The in-memory directory model: domains → projects, each a scope owning users, roles and loops, with
// the per-kind id indexes, and the queries over it. Pure: no I/O; only the write path in directory.ts
// changes it, and only after the change is durable.
import { ADMIN_ROLE, isRoleMember, loopPermission, type LoopPermission } from './permissions.js';
import type { DomainFile, LoopRecord, ProjectFile, RoleRecord, UserRecord } from './schema.js';
import { ownValue } from './json-tree.js';

export type ScopeKind = 'domain' | 'project';
export type ScopeData = DomainFile | ProjectFile;
export const MEMBER_COLLECTIONS = ['users', 'roles', 'loops'] as const;
export type MemberCollection = (typeof MEMBER_COLLECTIONS)[number];

/** One file of the directory. Live sessions hold Scope objects: their identity survives changes and reloads. */
export interface Scope {
  kind: ScopeKind;
  id: string;
  /** The domain itself for a domain scope, the owning domain for a project. */
  domainId: string;
  /** Null-prototype JSON tree, replaced as a whole by each durable change; never mutate it. */
  data: ScopeData;
}

export interface UserRef {
  scope: Scope;
  user: UserRecord;
}

interface DomainEntry {
  scope: Scope;
  projects: Map<string, Scope>;
}

/** The per-scope `admin` role is the one id that may repeat across scopes. */
export function isIndexed(collection: MemberCollection, id: string): boolean {
  return !(collection === 'roles' && id === ADMIN_ROLE);
}

export class DirectoryModel {
  private readonly domains = new Map<string, DomainEntry>();
  private readonly projects = new Map<string, Scope>();
  /** openvocs ids are unique per kind across the whole directory (the admin API names no scope). */
  private readonly index: Record<MemberCollection, Map<string, Scope>> = { users: new Map(), roles: new Map(), loops: new Map() };

  // ── queries ──────────────────────────────────────────────────────────────────────────────────

  allDomains(): Scope[] {
    return [...this.domains.values()].map((d) => d.scope);
  }

  /** Every scope: each domain followed by its projects. */
  allScopes(): Scope[] {
    return [...this.domains.values()].flatMap(({ scope, projects }) => [scope, ...projects.values()]);
  }

  domain(id: string): Scope | undefined {
    return this.domains.get(id)?.scope;
  }

  project(id: string): Scope | undefined {
    return this.projects.get(id);
  }

  projectsOf(domainId: string): Scope[] {
    return [...(this.domains.get(domainId)?.projects.values() ?? [])];
  }

  scope(kind: ScopeKind, id: string): Scope | undefined {
    return kind === 'domain' ? this.domain(id) : this.project(id);
  }

  findUser(userId: string): UserRef | undefined {
    const scope = this.index.users.get(userId);
    const user = scope ? ownValue(scope.data.users, userId) : undefined;
    return scope && user ? { scope, user } : undefined;
  }

  /** The scope owning a user, role or loop id (roles named `admin` are per scope and not found here). */
  ownerOf(collection: MemberCollection, id: string): Scope | undefined {
    return this.index[collection].get(id);
  }

  role(scope: Scope, roleId: string): RoleRecord | undefined {
    return ownValue(scope.data.roles, roleId);
  }

  loop(scope: Scope, loopId: string): LoopRecord | undefined {
    return ownValue(scope.data.loops, loopId);
  }

  /** Roles of the user's own scope that list the user as a member. */
  rolesOfUser(userId: string): RoleRecord[] {
    const ref = this.findUser(userId);
    if (!ref) return [];
    return Object.values(ref.scope.data.roles).filter((role) => isRoleMember(role, userId));
  }

  /** Loops of the scope a role may use, with the role's permission, in file order. */
  loopsOfRole(scope: Scope, roleId: string): Array<{ loop: LoopRecord; permission: LoopPermission }> {
    const out: Array<{ loop: LoopRecord; permission: LoopPermission }> = [];
    for (const loop of Object.values(scope.data.loops)) {
      const permission = loopPermission(loop, roleId);
      if (permission !== 'none') out.push({ loop, permission });
    }
    return out;
  }

  // ── changes (called by the write path after the change is durable) ─────────────────────────────

  addDomain(scope: Scope): void {
    this.domains.set(scope.id, { scope, projects: new Map() });
    this.reindex();
  }

  addProject(scope: Scope): void {
    this.domains.get(scope.domainId)?.projects.set(scope.id, scope);
    this.projects.set(scope.id, scope);
    this.reindex();
  }

  setData(scope: Scope, data: ScopeData): void {
    scope.data = data;
    this.reindex();
  }

  /** Removes a scope (a domain with its projects); returns every removed scope. */
  remove(scope: Scope): Scope[] {
    const removed = scope.kind === 'domain' ? [scope, ...this.projectsOf(scope.id)] : [scope];
    for (const s of removed) {
      if (s.kind === 'project') {
        this.projects.delete(s.id);
        this.domains.get(s.domainId)?.projects.delete(s.id);
      }
    }
    if (scope.kind === 'domain') this.domains.delete(scope.id);
    this.reindex();
    return removed;
  }

  /** Replaces everything with `fresh`, keeping the identity of scopes that still exist; returns the gone ones. */
  replaceWith(fresh: DirectoryModel): Scope[] {
    const old = new Map<string, Scope>(this.allScopes().map((s) => [`${s.kind}/${s.id}`, s]));
    const keep = (s: Scope): Scope => {
      const existing = old.get(`${s.kind}/${s.id}`);
      old.delete(`${s.kind}/${s.id}`);
      if (!existing || existing.domainId !== s.domainId) return s;
      existing.data = s.data;
      return existing;
    };
    this.domains.clear();
    this.projects.clear();
    for (const { scope, projects } of fresh.domains.values()) {
      const entry: DomainEntry = { scope: keep(scope), projects: new Map() };
      for (const p of projects.values()) {
        const kept = keep(p);
        entry.projects.set(kept.id, kept);
        this.projects.set(kept.id, kept);
      }
      this.domains.set(entry.scope.id, entry);
    }
    this.reindex();
    return [...old.values()];
  }

  /** The other scope already using an id of `data`, if any (ids are unique per kind). */
  conflict(scope: Scope, data: ScopeData): { collection: MemberCollection; id: string; owner: Scope } | undefined {
    for (const collection of MEMBER_COLLECTIONS) {
      for (const id of Object.keys(data[collection])) {
        if (!isIndexed(collection, id)) continue;
        const owner = this.index[collection].get(id);
        if (owner && owner !== scope) return { collection, id, owner };
      }
    }
    return undefined;
  }

  private reindex(): void {
    for (const map of Object.values(this.index)) map.clear();
    for (const scope of this.allScopes()) {
      for (const collection of MEMBER_COLLECTIONS) {
        for (const id of Object.keys(scope.data[collection])) if (isIndexed(collection, id)) this.index[collection].set(id, scope);
      }
    }
  }
}
