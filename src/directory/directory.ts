// The directory: the model and its queries (model.ts), who administers what (authorization.ts), and
// the one write path — validate against the committed model (validation.ts), make it durable
// (persistence.ts), and only then make it visible: memory first, then the `changed`/`removed` events
// that live sessions follow. A refused or failed write changes nothing, in memory or on disk.
import { EventEmitter } from 'node:events';
import { adminScopes, isAdmin } from './authorization.js';
import { nullProtoCopy } from './json-tree.js';
import type { DirectoryModel} from './model.js';
import { type MemberCollection, type Scope, type ScopeData, type ScopeKind, type UserRef } from './model.js';
import type { LoopPermission } from './permissions.js';
import { fileDirectoryStore, type DirectoryStore, type RemoteScopeChange } from './directory-store.js';
import { authDir } from './persistence.js';
import type { DomainFile, LoopRecord, ProjectFile, RoleRecord } from './schema.js';
import { DirectoryChangeError, validateScopeData } from './validation.js';

export type { Scope, ScopeKind, UserRef } from './model.js';
export { DirectoryChangeError } from './validation.js';

export interface DirectoryEvents {
  /** Something in a scope changed (roles, loops, users): live sessions re-check their rights. */
  changed: [scope: Scope];
  removed: [scope: Scope];
}

export class Directory extends EventEmitter<DirectoryEvents> {
  /** Writes run one at a time: each is validated against the state the previous one left. */
  private tail: Promise<unknown> = Promise.resolve();

  private unfollow: () => void = () => undefined;

  private constructor(
    readonly root: string,
    private readonly model: DirectoryModel,
    private readonly store: DirectoryStore,
  ) {
    super();
  }

  get authDir(): string {
    return authDir(this.root);
  }

  /** Loads every file or throws a DirectoryLoadError: the server never runs on partial data. */
  static async load(root: string, store: DirectoryStore = fileDirectoryStore(root)): Promise<Directory> {
    const directory = new Directory(root, await store.load(), store);
    if (store.follow) directory.unfollow = store.follow((change) => directory.applyRemote(change));
    return directory;
  }

  /** Stops following other writers (a replicated store); the files need nothing. */
  close(): void {
    this.unfollow();
  }

  // ── queries ──────────────────────────────────────────────────────────────────────────────────

  allDomains(): Scope[] {
    return this.model.allDomains();
  }

  allScopes(): Scope[] {
    return this.model.allScopes();
  }

  domain(id: string): Scope | undefined {
    return this.model.domain(id);
  }

  project(id: string): Scope | undefined {
    return this.model.project(id);
  }

  projectsOf(domainId: string): Scope[] {
    return this.model.projectsOf(domainId);
  }

  scope(kind: ScopeKind, id: string): Scope | undefined {
    return this.model.scope(kind, id);
  }

  findUser(userId: string): UserRef | undefined {
    return this.model.findUser(userId);
  }

  /** The scope owning a user, role or loop id (roles named `admin` are per scope and not found here). */
  ownerOf(kind: MemberCollection, id: string): Scope | undefined {
    return this.model.ownerOf(kind, id);
  }

  role(scope: Scope, roleId: string): RoleRecord | undefined {
    return this.model.role(scope, roleId);
  }

  loop(scope: Scope, loopId: string): LoopRecord | undefined {
    return this.model.loop(scope, loopId);
  }

  rolesOfUser(userId: string): RoleRecord[] {
    return this.model.rolesOfUser(userId);
  }

  loopsOfRole(scope: Scope, roleId: string): Array<{ loop: LoopRecord; permission: LoopPermission }> {
    return this.model.loopsOfRole(scope, roleId);
  }

  // ── authorization ────────────────────────────────────────────────────────────────────────────

  /** Admin of a scope: member of its `admin` role; domain admins administer all its projects. */
  isAdmin(userId: string, scope: Scope): boolean {
    return isAdmin(this.model, userId, scope);
  }

  adminScopes(userId: string): Scope[] {
    return adminScopes(this.model, userId);
  }

  isAnyAdmin(userId: string): boolean {
    return this.adminScopes(userId).length > 0;
  }

  // ── the write path ───────────────────────────────────────────────────────────────────────────

  private serialized<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task, task);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Listeners run after the change is durable; one that throws must not turn it into a failure. */
  private notify(event: keyof DirectoryEvents, scope: Scope): void {
    for (const listener of this.listeners(event)) {
      try {
        (listener)(scope);
      } catch (err) {
        process.emitWarning(`directory ${event} listener failed: ${(err as Error).message}`);
      }
    }
  }

  private requireLive(scope: Scope): void {
    if (this.model.scope(scope.kind, scope.id) !== scope) throw new DirectoryChangeError('$', `${scope.kind} "${scope.id}" no longer exists`);
  }

  /**
   * Apply `mutate` to a copy of the scope's data, validate the result (schema, reserved keys, keys =
   * ids, ids unique across the directory, multicast addresses), write it durably, then swap it in.
   * Throws DirectoryChangeError (refused) or StorageError (not written); both leave nothing behind.
   */
  change(scope: Scope, mutate: (draft: DomainFile | ProjectFile) => void): Promise<void> {
    return this.serialized(async () => {
      this.requireLive(scope);
      const draft = nullProtoCopy(scope.data);
      mutate(draft);
      const next = validateScopeData(this.model, scope.kind, scope, draft);
      await this.store.write(scope, next);
      this.model.setData(scope, next);
      this.notify('changed', scope);
    });
  }

  private addScope(kind: ScopeKind, domainId: string, data: ScopeData): Promise<Scope> {
    return this.serialized(async () => {
      if (this.model.scope(kind, data.id)) throw new DirectoryChangeError('$.id', `${kind} "${data.id}" already exists`, ['id']);
      if (kind === 'project' && !this.model.domain(domainId)) throw new DirectoryChangeError('$.domain', `unknown domain "${domainId}"`, ['domain']);
      const next = validateScopeData(this.model, kind, undefined, data);
      const scope: Scope = { kind, id: next.id, domainId, data: next };
      await this.store.create(scope, next);
      if (kind === 'domain') this.model.addDomain(scope);
      else this.model.addProject(scope);
      this.notify('changed', scope);
      return scope;
    });
  }

  addDomain(data: DomainFile): Promise<Scope> {
    return this.addScope('domain', data.id, data);
  }

  addProject(data: ProjectFile): Promise<Scope> {
    return this.addScope('project', data.domain, data);
  }

  /** Removes a scope (and a domain's projects) from disk, then from memory. */
  removeScope(scope: Scope): Promise<void> {
    return this.serialized(async () => {
      this.requireLive(scope);
      const leftover = await this.store.remove(scope);
      if (leftover) process.emitWarning(`removed ${scope.kind} "${scope.id}" left its folder behind (cleaned at the next start): ${leftover.message}`);
      for (const removed of this.model.remove(scope)) this.notify('removed', removed);
    });
  }

  /** Write every scope file again (admin `save`): memory already equals disk, this repairs edited files. */
  saveAll(): Promise<void> {
    return this.serialized(async () => {
      for (const scope of this.model.allScopes()) await this.store.write(scope, scope.data);
    });
  }

  /**
   * Re-read the files (admin `load`). Scopes that still exist keep their identity (live sessions hold
   * them) and get the new data; a broken file leaves everything as it was.
   */
  reload(): Promise<void> {
    return this.serialized(async () => {
      const fresh = await this.store.load();
      const gone = this.model.replaceWith(fresh);
      for (const scope of gone) this.notify('removed', scope);
      for (const scope of this.model.allScopes()) this.notify('changed', scope);
    });
  }

  /**
   * A change another backend made durable (replicated store): shown like a local one, in order with
   * local writes. Data that contradicts this directory (an id clash from a concurrent write) is not
   * shown and reported, so the model's invariants hold.
   */
  private applyRemote(change: RemoteScopeChange): Promise<void> {
    return this.serialized(() => {
      const existing = this.model.scope(change.kind, change.id);
      if (change.data === null) {
        if (existing) for (const removed of this.model.remove(existing)) this.notify('removed', removed);
        return Promise.resolve();
      }
      if (existing && JSON.stringify(existing.data) === JSON.stringify(change.data)) return Promise.resolve();
      try {
        const next = validateScopeData(this.model, change.kind, existing, nullProtoCopy(change.data));
        if (existing) {
          this.model.setData(existing, next);
          this.notify('changed', existing);
        } else {
          if (change.kind === 'project' && !this.model.domain(change.domainId)) throw new DirectoryChangeError('$.domain', `unknown domain "${change.domainId}"`);
          const scope: Scope = { kind: change.kind, id: change.id, domainId: change.domainId, data: next };
          if (change.kind === 'domain') this.model.addDomain(scope);
          else this.model.addProject(scope);
          this.notify('changed', scope);
        }
      } catch (err) {
        process.emitWarning(`replicated ${change.kind} "${change.id}" not applied: ${(err as Error).message}`);
      }
      return Promise.resolve();
    });
  }
}
