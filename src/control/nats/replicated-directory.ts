// The directory in a replicated JetStream key-value bucket: every backend's signaling server loads it
// from there, writes through it (a change is durable when the cluster acknowledged it: replicated
// to a majority of nodes, on disk) and follows the others' changes through a watch.
// Keys: `domain.<id>` and `project.<domain>.<id>`, ids base64url-coded (any id is data).
// Values: the scope file exactly as in the openvocs layout.
import type { KvEntry, NatsConnection } from 'nats';
import type { DirectoryStore, RemoteScopeChange } from '../../directory/directory-store.js';
import { nullProtoCopy } from '../../directory/json-tree.js';
import { DirectoryModel, type Scope, type ScopeData } from '../../directory/model.js';
import { readDirectory, serializeScope } from '../../directory/persistence.js';
import { StorageError } from '../../directory/storage-error.js';
import { DirectoryChangeError, scopeFileSchema } from '../../directory/validation.js';
import { ConcurrentChangeError, durableKvWrite, type KvTarget } from './kv-retry.js';
import { DEFAULT_KV_WATCH, KvWatch } from './kv-watch.js';
import { retried } from './retried.js';

type ScopeRef = Pick<Scope, 'kind' | 'id' | 'domainId'>;

const b64 = (id: string): string => Buffer.from(id, 'utf8').toString('base64url');
const unb64 = (token: string): string => Buffer.from(token, 'base64url').toString('utf8');

export function scopeKey(scope: ScopeRef): string {
  return scope.kind === 'domain' ? `domain.${b64(scope.id)}` : `project.${b64(scope.domainId)}.${b64(scope.id)}`;
}

export function parseScopeKey(key: string): ScopeRef | undefined {
  const parts = key.split('.');
  if (parts[0] === 'domain' && parts.length === 2 && parts[1]) return { kind: 'domain', id: unb64(parts[1]), domainId: unb64(parts[1]) };
  if (parts[0] === 'project' && parts.length === 3 && parts[1] && parts[2]) return { kind: 'project', id: unb64(parts[2]), domainId: unb64(parts[1]) };
  return undefined;
}

/** A stored scope file, checked like one read from disk; undefined when it is not a valid one. */
function decodeScope(ref: ScopeRef, value: Uint8Array): ScopeData | undefined {
  try {
    const parsed = scopeFileSchema[ref.kind].safeParse(JSON.parse(Buffer.from(value).toString('utf8')));
    if (!parsed.success || parsed.data.id !== ref.id) return undefined;
    return nullProtoCopy<ScopeData>(parsed.data);
  } catch {
    return undefined;
  }
}

/** Opening waits this long for the cluster (leader elections after a node died) before a backend gives up (systemd starts it again). */
const OPEN_DEADLINE_MS = DEFAULT_KV_WATCH.openDeadlineMs;

export interface ReplicatedDirectoryOptions {
  bucket?: string;
  /** Copies in the cluster: 3 survives one node; 1 for a single test node. */
  replicas?: number;
  /** Files to seed an empty bucket from (the first backend started brings its directory). */
  seedRoot?: string;
}

export class ReplicatedDirectoryStore implements DirectoryStore {
  /** Revision of each key as this backend's directory shows it: the precondition of its next write. */
  private readonly revisions = new Map<string, number>();
  /** The bucket's last sequence as this backend's directory shows it: no write without having seen it. */
  private streamSequence = 0;
  /** Keys holding a scope now (not deleted). */
  private readonly present = new Set<string>();
  private initial: KvEntry[] = [];
  private follower: ((change: RemoteScopeChange) => Promise<void>) | undefined;
  /** Changes seen before the directory follows (between load and follow), delivered then. */
  private backlog: KvEntry[] = [];
  private watch: KvWatch | undefined;
  private delivering: Promise<void> = Promise.resolve();

  private constructor(private readonly target: KvTarget) {}

  private get kv(): KvTarget['kv'] {
    return this.target.kv;
  }

  static async open(connection: NatsConnection, options: ReplicatedDirectoryOptions = {}): Promise<ReplicatedDirectoryStore> {
    const bucket = options.bucket ?? 'loopcast-directory';
    const js = connection.jetstream();
    const kv = await retried(() => js.views.kv(bucket, { replicas: options.replicas ?? 3, history: 5 }), OPEN_DEADLINE_MS);
    const store = new ReplicatedDirectoryStore({ js, kv, bucket });
    if (options.seedRoot !== undefined && (await retried(() => kv.status(), OPEN_DEADLINE_MS)).values === 0) await store.seed(options.seedRoot);
    // The content at open is loaded as a whole (load); later entries are changes (follow).
    store.watch = await KvWatch.open(connection, bucket, (entry, initial) => (initial ? store.initial.push(entry) : store.receive(entry)));
    return store;
  }

  private async seed(root: string): Promise<void> {
    const model = await readDirectory(root);
    for (const scope of model.allScopes()) {
      // Another backend seeding at the same time wins per key; both bring the same files or the first.
      const revision = await durableKvWrite(this.target, scopeKey(scope), Buffer.from(serializeScope(scope.data)), { keyRevision: 0, streamSequence: this.streamSequence }).catch(
        (err: unknown) => {
          if (!(err instanceof ConcurrentChangeError)) throw err;
          return 0;
        },
      );
      this.streamSequence = Math.max(this.streamSequence, revision);
    }
  }

  private receive(entry: KvEntry): void {
    if (!this.follower) {
      this.backlog.push(entry);
      return;
    }
    const known = this.revisions.get(entry.key) ?? 0;
    if (entry.revision <= known) {
      this.streamSequence = Math.max(this.streamSequence, entry.revision);
      return;
    }
    const ref = parseScopeKey(entry.key);
    if (!ref) return;
    const data = entry.operation === 'PUT' ? decodeScope(ref, entry.value) : null;
    if (entry.operation === 'PUT' && data === undefined) {
      process.emitWarning(`replicated directory: ignored an invalid value under ${entry.key}`);
      return;
    }
    const follower = this.follower;
    // In order, one at a time; the revision counts as known once the directory shows it.
    this.delivering = this.delivering
      .then(() => follower({ ...ref, data: data ?? null }))
      .then(() => {
        this.revisions.set(entry.key, Math.max(entry.revision, this.revisions.get(entry.key) ?? 0));
        this.streamSequence = Math.max(this.streamSequence, entry.revision);
        if (data) this.present.add(entry.key);
        else this.present.delete(entry.key);
      })
      .catch((err: unknown) => process.emitWarning(`replicated directory: ${entry.key} not applied: ${(err as Error).message}`));
  }

  /** The bucket's current content as a model (domains first, then their projects). */
  load(): Promise<DirectoryModel> {
    const latest = new Map<string, KvEntry>();
    for (const entry of this.initial) {
      latest.set(entry.key, entry);
      this.streamSequence = Math.max(this.streamSequence, entry.revision);
    }
    const model = new DirectoryModel();
    const refs = [...latest.values()].flatMap((entry) => {
      const ref = parseScopeKey(entry.key);
      return ref && entry.operation === 'PUT' ? [{ entry, ref }] : [];
    });
    refs.sort((a, b) => (a.ref.kind === b.ref.kind ? 0 : a.ref.kind === 'domain' ? -1 : 1));
    for (const { entry, ref } of refs) {
      const data = decodeScope(ref, entry.value);
      if (!data || (ref.kind === 'project' && !model.domain(ref.domainId)) || model.scope(ref.kind, ref.id) || model.conflict({ ...ref, data }, data)) {
        process.emitWarning(`replicated directory: ${entry.key} not loaded (invalid or clashing)`);
        continue;
      }
      const scope: Scope = { ...ref, data };
      if (ref.kind === 'domain') model.addDomain(scope);
      else model.addProject(scope);
      this.revisions.set(entry.key, entry.revision);
      this.present.add(entry.key);
    }
    return Promise.resolve(model);
  }

  follow(apply: (change: RemoteScopeChange) => Promise<void>): () => void {
    this.follower = apply;
    for (const entry of this.backlog.splice(0)) this.receive(entry);
    return () => this.close();
  }

  private async put(scope: ScopeRef, value: Uint8Array | null): Promise<void> {
    const key = scopeKey(scope);
    try {
      const revision = await durableKvWrite(this.target, key, value, { keyRevision: this.revisions.get(key) ?? 0, streamSequence: this.streamSequence });
      this.revisions.set(key, Math.max(revision, this.revisions.get(key) ?? 0));
      this.streamSequence = Math.max(this.streamSequence, revision);
      if (value) this.present.add(key);
      else this.present.delete(key);
    } catch (err) {
      if (err instanceof ConcurrentChangeError) {
        throw new DirectoryChangeError('$', `${scope.kind} "${scope.id}" was changed on another backend at the same time; nothing was changed, try again`);
      }
      throw new StorageError(`nats kv ${key}`, err);
    }
  }

  write(scope: ScopeRef, data: ScopeData): Promise<void> {
    return this.put(scope, Buffer.from(serializeScope(data)));
  }

  create(scope: ScopeRef, data: ScopeData): Promise<void> {
    return this.put(scope, Buffer.from(serializeScope(data)));
  }

  /** A domain's projects go first: no backend ever sees a project without its domain. */
  async remove(scope: Scope): Promise<Error | undefined> {
    if (scope.kind === 'domain') {
      const prefix = `project.${b64(scope.id)}.`;
      for (const key of [...this.present]) {
        const ref = parseScopeKey(key);
        if (key.startsWith(prefix) && ref) await this.put(ref, null);
      }
    }
    await this.put(scope, null);
    return undefined;
  }

  close(): void {
    this.follower = undefined;
    this.watch?.close();
  }
}
