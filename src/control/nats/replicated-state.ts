// Per-user state (loop states, volumes, user data; the openvocs state.json) in a replicated JetStream
// key-value bucket, one key per user (`user.<id base64url>`). Last writer wins per user: both backends
// receive every switch of a client connected to both (openvocs backend redundancy) and write the
// same values, and a backend that takes over after the other died finds the user's state there.
// A change is visible once the cluster acknowledged it; other backends' changes arrive by a watch.
import { Events, type KV, type KvEntry, type NatsConnection } from 'nats';
import type { DurableValue } from '../../directory/durable-state.js';
import { readOptionalJsonFile } from '../../directory/json-file.js';
import { nullProtoCopy } from '../../directory/json-tree.js';
import { stateFileSchema, type StateFile } from '../../directory/state-store.js';
import { StorageError } from '../../directory/storage-error.js';
import { retried } from './retried.js';

const userKey = (userId: string): string => `user.${Buffer.from(userId, 'utf8').toString('base64url')}`;
const userOf = (key: string): string | undefined => (key.startsWith('user.') && key.length > 5 ? Buffer.from(key.slice(5), 'base64url').toString('utf8') : undefined);
type UserState = StateFile[string];

/** Checked as one user of a state.json (same schema, reserved keys refused). */
function decodeUser(value: Uint8Array): UserState | undefined {
  try {
    const parsed = stateFileSchema.safeParse({ user: JSON.parse(Buffer.from(value).toString('utf8')) as unknown });
    return parsed.success && parsed.data.user ? nullProtoCopy(parsed.data.user) : undefined;
  } catch {
    return undefined;
  }
}

export class ReplicatedState implements DurableValue<StateFile> {
  private committed: StateFile = Object.create(null) as StateFile;
  private readonly revisions = new Map<string, number>();
  private tail: Promise<unknown> = Promise.resolve();
  private received = 0;
  private stopWatch: () => void = () => undefined;
  private closed = false;

  private constructor(private readonly kv: KV) {}

  static async open(connection: NatsConnection, options: { bucket?: string; replicas?: number; seedRoot?: string } = {}): Promise<ReplicatedState> {
    const kv = await retried(() => connection.jetstream().views.kv(options.bucket ?? 'loopcast-state', { replicas: options.replicas ?? 3, history: 1 }), 15_000);
    const state = new ReplicatedState(kv);
    if (options.seedRoot !== undefined && (await kv.status()).values === 0) {
      const seed = await readOptionalJsonFile(`${options.seedRoot}/state.json`, stateFileSchema, () => ({}));
      for (const [userId, user] of Object.entries(seed)) await retried(() => kv.create(userKey(userId), Buffer.from(JSON.stringify(user)))).catch(() => undefined);
    }
    await state.watch(0);
    connection.closed().then(
      () => state.close(),
      () => state.close(),
    );
    void (async () => {
      for await (const status of connection.status()) {
        if (state.closed) return;
        if (status.type === Events.Reconnect) await state.watch(state.received + 1).catch(() => undefined);
      }
    })();
    return state;
  }

  get value(): StateFile {
    return this.committed;
  }

  private async watch(from: number): Promise<void> {
    this.stopWatch();
    let ready!: () => void;
    const initialized = new Promise<void>((resolve) => (ready = resolve));
    const watch = await retried(() => this.kv.watch({ key: '>', ...(from > 0 ? { resumeFromRevision: from } : {}), initializedFn: () => ready() }), 15_000);
    this.stopWatch = () => watch.stop();
    void (async () => {
      for await (const entry of watch) this.receive(entry);
    })();
    if (from === 0) await initialized;
  }

  private receive(entry: KvEntry): void {
    this.received = Math.max(this.received, entry.revision);
    const userId = userOf(entry.key);
    if (userId === undefined || entry.revision <= (this.revisions.get(entry.key) ?? 0)) return;
    const user = entry.operation === 'PUT' ? decodeUser(entry.value) : null;
    if (user === undefined) return;
    this.revisions.set(entry.key, entry.revision);
    const next = Object.assign(Object.create(null) as StateFile, this.committed);
    if (user === null) delete next[userId];
    else next[userId] = user;
    this.committed = next;
  }

  /** Users whose subtree `apply` replaced or removed (StateStore edits copy-on-write per user) are written. */
  update(apply: (draft: StateFile) => void): Promise<void> {
    const run = this.tail.then(async () => {
      const draft = Object.assign(Object.create(null) as StateFile, this.committed);
      apply(draft);
      const users = new Set([...Object.keys(draft), ...Object.keys(this.committed)]);
      for (const userId of users) {
        if (draft[userId] === this.committed[userId]) continue;
        const key = userKey(userId);
        const user = draft[userId];
        try {
          const revision = user === undefined ? await retried(() => this.kv.delete(key)).then(() => 0) : await retried(() => this.kv.put(key, Buffer.from(JSON.stringify(user))));
          if (revision > 0) this.revisions.set(key, Math.max(revision, this.revisions.get(key) ?? 0));
        } catch (err) {
          throw new StorageError(`nats kv state ${key}`, err);
        }
      }
      this.committed = draft;
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Every user again (admin `save`). */
  flush(): Promise<void> {
    return this.update((draft) => {
      for (const userId of Object.keys(draft)) draft[userId] = nullProtoCopy(draft[userId]!);
    });
  }

  close(): void {
    this.closed = true;
    this.stopWatch();
  }
}
