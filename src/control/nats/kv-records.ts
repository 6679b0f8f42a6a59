// A map of JSON records in a replicated JetStream key-value bucket, one key per record, seen as one
// durable value (DurableValue): a change is visible once the cluster acknowledged it, other processes'
// changes arrive by a watch (kv-watch.ts: replaced after a reconnect or a dead node). Last writer wins per key. Every value
// received is decoded by the owner (schema-checked); one it refuses is ignored, so a hostile or broken
// write never reaches the readers. Used for the per-user state and the login sessions.
import type { KV, KvEntry, NatsConnection } from 'nats';
import type { DurableValue } from '../../directory/durable-state.js';
import { StorageError } from '../../directory/storage-error.js';
import { DEFAULT_KV_WATCH, KvWatch } from './kv-watch.js';
import { retried } from './retried.js';

/** Null-prototype: any name is data. */
export type Records<V> = Record<string, V>;

export interface KvRecordsOptions<V> {
  bucket: string;
  /** Copies in the cluster (3: survives one NATS node). */
  replicas: number;
  /** Keys not written for this long are dropped by the server (the bucket's max_age). */
  maxAgeMs?: number;
  /** Record name ↔ bucket key; `nameOf` answers undefined for a key that is not one of ours. */
  keyOf(name: string): string;
  nameOf(key: string): string | undefined;
  /** The record in a received value, or undefined to ignore the value. */
  decode(value: Uint8Array): V | undefined;
  /** Written into an empty bucket before the first watch (the first process of a deployment). */
  seed?: () => Promise<Records<V>>;
  /** Told after a received record (another process's write or removal, or the initial load) was applied. */
  onReceived?(name: string, record: V | undefined): void;
}

const emptyRecords = <V>(): Records<V> => Object.create(null) as Records<V>;
const encode = (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value));

export class KvRecords<V> implements DurableValue<Records<V>> {
  private committed: Records<V> = emptyRecords<V>();
  private readonly revisions = new Map<string, number>();
  private tail: Promise<unknown> = Promise.resolve();
  private watch: KvWatch | undefined;

  private constructor(
    private readonly kv: KV,
    private readonly options: KvRecordsOptions<V>,
  ) {}

  static async open<V>(connection: NatsConnection, options: KvRecordsOptions<V>): Promise<KvRecords<V>> {
    const deadlineMs = DEFAULT_KV_WATCH.openDeadlineMs;
    const kv = await retried(
      () => connection.jetstream().views.kv(options.bucket, { replicas: options.replicas, history: 1, ...(options.maxAgeMs !== undefined ? { ttl: options.maxAgeMs } : {}) }),
      deadlineMs,
    );
    const records = new KvRecords(kv, options);
    if (options.seed && (await retried(() => kv.status(), deadlineMs)).values === 0) {
      for (const [name, value] of Object.entries(await options.seed())) await retried(() => kv.create(options.keyOf(name), encode(value))).catch(() => undefined);
    }
    records.watch = await KvWatch.open(connection, options.bucket, (entry) => records.receive(entry));
    connection.closed().then(
      () => records.close(),
      () => records.close(),
    );
    return records;
  }

  get value(): Records<V> {
    return this.committed;
  }

  private receive(entry: KvEntry): void {
    const name = this.options.nameOf(entry.key);
    if (name === undefined || entry.revision <= (this.revisions.get(entry.key) ?? 0)) return;
    const record = entry.operation === 'PUT' ? this.options.decode(entry.value) : null;
    if (record === undefined) return;
    this.revisions.set(entry.key, entry.revision);
    const next = Object.assign(emptyRecords<V>(), this.committed);
    if (record === null) delete next[name];
    else next[name] = record;
    this.committed = next;
    this.options.onReceived?.(name, record ?? undefined);
  }

  /** Resolves with the revision the write got (0 for a removal). */
  private write(name: string, record: V | undefined): Promise<number> {
    const key = this.options.keyOf(name);
    const written = record === undefined ? retried(() => this.kv.delete(key)).then(() => 0) : retried(() => this.kv.put(key, encode(record)));
    return written.then(
      (revision) => {
        if (revision > 0) this.revisions.set(key, Math.max(revision, this.revisions.get(key) ?? 0));
        return revision;
      },
      (err: unknown) => {
        throw new StorageError(`nats kv ${this.options.bucket} ${key}`, err);
      },
    );
  }

  private queued(run: () => Promise<void>): Promise<void> {
    const done = this.tail.then(run);
    this.tail = done.catch(() => undefined);
    return done;
  }

  /**
   * `apply` gets a copy of the top level: the records it replaced or removed (copy-on-write) are written.
   * Only those names are then taken into the committed value: what other processes changed while the
   * writes were in flight (received meanwhile) stays, and so does a newer value of the same key.
   */
  update(apply: (draft: Records<V>) => void): Promise<void> {
    return this.queued(async () => {
      const base = this.committed;
      const draft = Object.assign(emptyRecords<V>(), base);
      apply(draft);
      const written: Array<[string, number]> = [];
      for (const name of new Set([...Object.keys(draft), ...Object.keys(base)])) {
        if (draft[name] !== base[name]) written.push([name, await this.write(name, draft[name])]);
      }
      const next = Object.assign(emptyRecords<V>(), this.committed);
      for (const [name, revision] of written) {
        // A later write of this key by another process already arrived: it is the newer value.
        if (revision > 0 && (this.revisions.get(this.options.keyOf(name)) ?? 0) > revision) continue;
        const record = draft[name];
        if (record === undefined) delete next[name];
        else next[name] = record;
      }
      this.committed = next;
    });
  }

  /** Every record again (admin `save`). */
  flush(): Promise<void> {
    return this.queued(async () => {
      for (const [name, record] of Object.entries(this.committed)) await this.write(name, record);
    });
  }

  close(): void {
    this.watch?.close();
  }
}
