// The in-memory directory: domains → projects, each a scope owning users, roles and loops. Loaded from
// and written to the openvocs layout (`auth/<domain>/config.json`, `auth/<domain>/<project>/config.json`).
import { EventEmitter } from 'node:events';
import { readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DurableFile } from './atomic-file.js';
import { readJsonFile } from './json-file.js';
import { DirectoryLoadError } from './load-error.js';
import { ADMIN_ROLE, isRoleMember, loopPermission, type LoopPermission } from './permissions.js';
import {
  jsonPath,
  domainFileSchema,
  projectFileSchema,
  type DomainFile,
  type LoopRecord,
  type ProjectFile,
  type RoleRecord,
  type UserRecord,
} from './schema.js';

/** A rejected change: the JSON path inside the scope file (also as segments when known) and what is wrong there. */
export class DirectoryChangeError extends Error {
  constructor(
    readonly jsonPath: string,
    readonly problem: string,
    readonly path?: (string | number)[],
  ) {
    super(`${jsonPath}: ${problem}`);
    this.name = 'DirectoryChangeError';
  }
}

export type ScopeKind = 'domain' | 'project';

export interface Scope {
  kind: ScopeKind;
  id: string;
  /** The domain itself for a domain scope, the owning domain for a project. */
  domainId: string;
  data: DomainFile | ProjectFile;
  file: DurableFile;
}

export interface UserRef {
  scope: Scope;
  user: UserRecord;
}

interface DomainEntry {
  scope: Scope;
  projects: Map<string, Scope>;
}

export interface DirectoryEvents {
  /** Something in a scope changed (roles, loops, users): live sessions re-check their rights. */
  changed: [scope: Scope];
  removed: [scope: Scope];
}

function serialize(data: DomainFile | ProjectFile): string {
  return `${JSON.stringify(data, null, 2)}\n`;
}

async function subdirectories(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Keys of users/roles/loops must equal the record's id (the file would be ambiguous otherwise). */
function checkKeys(file: string, data: DomainFile | ProjectFile): void {
  for (const kind of ['users', 'roles', 'loops'] as const) {
    const records: Record<string, { id: string }> = data[kind];
    for (const [key, record] of Object.entries(records)) {
      if (record.id !== key) {
        throw new DirectoryLoadError(file, `$.${kind}[${JSON.stringify(key)}].id`, `must equal its key "${key}"`);
      }
    }
  }
}

export class Directory extends EventEmitter<DirectoryEvents> {
  private readonly domains = new Map<string, DomainEntry>();
  private readonly projects = new Map<string, Scope>();
  /** openvocs ids are unique per kind across the whole directory (the admin API names no scope). */
  private readonly index = { users: new Map<string, Scope>(), roles: new Map<string, Scope>(), loops: new Map<string, Scope>() };

  private constructor(readonly root: string) {
    super();
  }

  get authDir(): string {
    return join(this.root, 'auth');
  }

  /** Loads every file or throws a DirectoryLoadError: the server never runs on partial data. */
  static async load(root: string): Promise<Directory> {
    const directory = new Directory(root);
    for (const domainId of await subdirectories(directory.authDir)) {
      const domainFile = join(directory.authDir, domainId, 'config.json');
      const data = await readJsonFile(domainFile, domainFileSchema);
      if (data.id !== domainId) throw new DirectoryLoadError(domainFile, '$.id', `must equal the folder name "${domainId}"`);
      checkKeys(domainFile, data);
      const scope = directory.makeScope('domain', domainId, domainId, data);
      directory.domains.set(domainId, { scope, projects: new Map() });
      directory.indexScope(domainFile, scope);
      for (const projectId of await subdirectories(join(directory.authDir, domainId))) {
        const projectFile = join(directory.authDir, domainId, projectId, 'config.json');
        const project = await readJsonFile(projectFile, projectFileSchema);
        if (project.id !== projectId) throw new DirectoryLoadError(projectFile, '$.id', `must equal the folder name "${projectId}"`);
        if (project.domain !== domainId) throw new DirectoryLoadError(projectFile, '$.domain', `must be "${domainId}"`);
        if (directory.projects.has(projectId)) throw new DirectoryLoadError(projectFile, '$.id', 'project id used twice');
        checkKeys(projectFile, project);
        const projectScope = directory.makeScope('project', projectId, domainId, project);
        directory.domains.get(domainId)?.projects.set(projectId, projectScope);
        directory.projects.set(projectId, projectScope);
        directory.indexScope(projectFile, projectScope);
      }
    }
    return directory;
  }

  private makeScope(kind: ScopeKind, id: string, domainId: string, data: DomainFile | ProjectFile): Scope {
    const path = kind === 'domain' ? join(this.authDir, id, 'config.json') : join(this.authDir, domainId, id, 'config.json');
    const scope: Scope = { kind, id, domainId, data, file: new DurableFile(path, () => serialize(scope.data)) };
    return scope;
  }

  /** Every id kind is indexed; the per-scope `admin` role is the one id that may repeat. */
  private indexScope(file: string | undefined, scope: Scope): void {
    for (const kind of ['users', 'roles', 'loops'] as const) {
      for (const id of Object.keys(scope.data[kind])) {
        if (kind === 'roles' && id === ADMIN_ROLE) continue;
        const other = this.index[kind].get(id);
        if (other && other !== scope && file) {
          throw new DirectoryLoadError(file, `$.${kind}[${JSON.stringify(id)}]`, `id also used in ${other.kind} "${other.id}"`);
        }
        this.index[kind].set(id, scope);
      }
    }
  }

  /** Recompute the id indexes after a change (the admin API has checked uniqueness before). */
  reindex(): void {
    for (const map of Object.values(this.index)) map.clear();
    for (const { scope, projects } of this.domains.values()) {
      this.indexScope(undefined, scope);
      for (const project of projects.values()) this.indexScope(undefined, project);
    }
  }

  // ── queries ──────────────────────────────────────────────────────────────────────────────────

  allDomains(): Scope[] {
    return [...this.domains.values()].map((d) => d.scope);
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
    const user = scope && Object.hasOwn(scope.data.users, userId) ? scope.data.users[userId] : undefined;
    return scope && user ? { scope, user } : undefined;
  }

  /** The scope owning a user, role or loop id (roles named `admin` are per scope and not found here). */
  ownerOf(kind: 'users' | 'roles' | 'loops', id: string): Scope | undefined {
    return this.index[kind].get(id);
  }

  role(scope: Scope, roleId: string): RoleRecord | undefined {
    return Object.hasOwn(scope.data.roles, roleId) ? scope.data.roles[roleId] : undefined;
  }

  loop(scope: Scope, loopId: string): LoopRecord | undefined {
    return Object.hasOwn(scope.data.loops, loopId) ? scope.data.loops[loopId] : undefined;
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

  /** Admin of a scope: member of its `admin` role; domain admins administer all its projects. */
  isAdmin(userId: string, scope: Scope): boolean {
    const own = this.role(scope, ADMIN_ROLE);
    if (own && isRoleMember(own, userId)) return true;
    if (scope.kind === 'project') {
      const domain = this.domain(scope.domainId);
      return domain !== undefined && this.isAdmin(userId, domain);
    }
    return false;
  }

  /** Scopes the user administers: whole domains, and single projects where only a project admin. */
  adminScopes(userId: string): Scope[] {
    const out: Scope[] = [];
    for (const { scope, projects } of this.domains.values()) {
      if (this.isAdmin(userId, scope)) out.push(scope, ...projects.values());
      else for (const project of projects.values()) if (this.isAdmin(userId, project)) out.push(project);
    }
    return out;
  }

  isAnyAdmin(userId: string): boolean {
    return this.adminScopes(userId).length > 0;
  }

  // ── persistence of changes ───────────────────────────────────────────────────────────────────

  /**
   * Apply `mutate` to a copy of the scope's data, validate the result (schema, keys = ids, ids unique
   * across the directory) and only then swap it in and persist. Invalid changes leave nothing behind.
   */
  async change(scope: Scope, mutate: (draft: DomainFile | ProjectFile) => void): Promise<void> {
    const draft = structuredClone(scope.data);
    mutate(draft);
    const schema = scope.kind === 'domain' ? domainFileSchema : projectFileSchema;
    const parsed = schema.safeParse(draft);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = (issue?.path ?? []).map((key) => (typeof key === 'number' ? key : String(key)));
      throw new DirectoryChangeError(jsonPath(path), issue?.message ?? 'invalid', path);
    }
    const next = parsed.data;
    try {
      checkKeys(scope.id, next);
    } catch (err) {
      throw new DirectoryChangeError((err as DirectoryLoadError).jsonPath, 'must equal its key');
    }
    for (const kind of ['users', 'roles', 'loops'] as const) {
      for (const id of Object.keys(next[kind])) {
        if (kind === 'roles' && id === ADMIN_ROLE) continue;
        const owner = this.index[kind].get(id);
        if (owner && owner !== scope) throw new DirectoryChangeError(`$.${kind}[${JSON.stringify(id)}]`, `id already used in ${owner.kind} "${owner.id}"`, [kind, id]);
      }
    }
    this.checkMulticastUnique(scope, next);
    scope.data = next;
    await this.commit(scope);
  }

  /** Two loops on one group:port would mix into each other: refuse it on every change. */
  private checkMulticastUnique(scope: Scope, next: DomainFile | ProjectFile): void {
    const taken = new Map<string, string>();
    for (const { scope: other, projects } of this.domains.values()) {
      for (const s of [other, ...projects.values()]) {
        if (s === scope) continue;
        for (const loop of Object.values(s.data.loops)) if (loop.multicast) taken.set(`${loop.multicast.host}:${loop.multicast.port}`, loop.id);
      }
    }
    for (const loop of Object.values(next.loops)) {
      if (!loop.multicast) continue;
      const address = `${loop.multicast.host}:${loop.multicast.port}`;
      const owner = taken.get(address);
      if (owner !== undefined && owner !== loop.id) {
        throw new DirectoryChangeError(`$.loops[${JSON.stringify(loop.id)}].multicast`, `${address} is already used by loop "${owner}"`, ['loops', loop.id, 'multicast']);
      }
      taken.set(address, loop.id);
    }
  }

  /** Persist a changed scope, then tell live sessions. Resolves once the change is durable. */
  async commit(scope: Scope): Promise<void> {
    this.reindex();
    await scope.file.save();
    this.emit('changed', scope);
  }

  async addDomain(data: DomainFile): Promise<Scope> {
    const scope = this.makeScope('domain', data.id, data.id, data);
    await scope.file.save();
    this.domains.set(data.id, { scope, projects: new Map() });
    this.reindex();
    this.emit('changed', scope);
    return scope;
  }

  async addProject(data: ProjectFile): Promise<Scope> {
    const domain = this.domains.get(data.domain);
    if (!domain) throw new Error(`unknown domain ${data.domain}`);
    const scope = this.makeScope('project', data.id, data.domain, data);
    await scope.file.save();
    domain.projects.set(data.id, scope);
    this.projects.set(data.id, scope);
    this.reindex();
    this.emit('changed', scope);
    return scope;
  }

  /** Write every scope file (admin `save`). */
  async saveAll(): Promise<void> {
    await Promise.all([...this.domains.values()].flatMap(({ scope, projects }) => [scope, ...projects.values()].map((s) => s.file.save())));
  }

  /**
   * Re-read the files (admin `load`). Scopes that still exist keep their identity (live sessions hold
   * them) and get the new data; a broken file leaves everything as it was.
   */
  async reload(): Promise<void> {
    const fresh = await Directory.load(this.root);
    const old = new Map<string, Scope>();
    for (const { scope, projects } of this.domains.values()) {
      old.set(`domain/${scope.id}`, scope);
      for (const p of projects.values()) old.set(`project/${p.id}`, p);
    }
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
    for (const gone of old.values()) this.emit('removed', gone);
    for (const { scope, projects } of this.domains.values()) for (const s of [scope, ...projects.values()]) this.emit('changed', s);
  }

  /** Removes a scope (and a domain's projects) from memory and disk; the folder is renamed first. */
  async removeScope(scope: Scope): Promise<void> {
    const dir = scope.kind === 'domain' ? join(this.authDir, scope.id) : join(this.authDir, scope.domainId, scope.id);
    const trash = join(this.authDir, `.deleted-${scope.id}-${Date.now()}`);
    await rename(dir, trash);
    const removed = scope.kind === 'domain' ? [scope, ...this.projectsOf(scope.id)] : [scope];
    for (const s of removed) {
      if (s.kind === 'project') {
        this.projects.delete(s.id);
        this.domains.get(s.domainId)?.projects.delete(s.id);
      }
    }
    if (scope.kind === 'domain') this.domains.delete(scope.id);
    this.reindex();
    await rm(trash, { recursive: true, force: true });
    for (const s of removed) this.emit('removed', s);
  }
}
