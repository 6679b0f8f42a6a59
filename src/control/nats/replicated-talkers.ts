// The talker table of the deployed system (docs/recording.md "Who talks"): which user and role talk
// with which RTP SSRC on the loop bus, in a replicated JetStream key-value bucket (`loopcast-talkers`),
// so a recorder names a talker whose session another process owns (a media host's session, a session
// on the other backend heard over multicast). One key per session:
// `talker.<ssrc, 8 hex>.<owner service id>.<16 hex of the session's id>`, written by the process that
// owns the session once its SSRC is known, rewritten every REFRESH (a new `expires`) and removed when
// the session ends. A crashed owner's keys are dropped by the server after the bucket's max_age, and
// readers ignore them from their `expires` on, or as soon as the registry says the owner is down
// (until it is up again). Every value received is schema-checked and size-capped;
// a malformed or hostile one is dropped and counted, never indexed.
import { createHash } from 'node:crypto';
import type { NatsConnection } from 'nats';
import { Counter, type Registry } from 'prom-client';
import { z } from 'zod';
import { isReservedKey } from '../../protocol/reserved.js';
import type { ControlPlane } from '../control-plane.js';
import { KvRecords } from './kv-records.js';

export const TALKERS_BUCKET = 'loopcast-talkers';
/** How long an entry is believed without being rewritten, and how often its owner rewrites it. */
export const TALKER_LIFETIME_MS = 5 * 60_000;
export const TALKER_REFRESH_MS = 2 * 60_000;
/** The server drops keys not rewritten for this long (a crashed owner's). */
export const TALKERS_MAX_AGE_MS = TALKER_LIFETIME_MS + 60_000;
/** A real value is about 150 bytes; anything much larger is not one of ours. */
export const MAX_TALKER_VALUE_BYTES = 2048;

const token = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/);
// Directory ids: any string but the reserved one (src/protocol/reserved.ts), bounded.
const id = z.string().min(1).max(256).refine((value) => !isReservedKey(value), 'reserved name');

export const talkerEntrySchema = z.strictObject({ user: id, role: id, backend: token, owner: token, expires: z.number().int().min(0) });
export type TalkerEntry = z.infer<typeof talkerEntrySchema>;

const KEY = /^talker\.([0-9a-f]{8})\.([A-Za-z0-9_-]{1,128})\.([0-9a-f]{16})$/;

/** Record name (the key without `talker.`) of one session's entry. */
export function talkerName(ssrc: number, owner: string, sessionId: string): string {
  const session = createHash('sha256').update(sessionId).digest('hex').slice(0, 16);
  return `${(ssrc >>> 0).toString(16).padStart(8, '0')}.${owner}.${session}`;
}
export const talkerKey = (name: string): string => `talker.${name}`;
export const talkerNameOf = (key: string): string | undefined => (KEY.test(key) ? key.slice('talker.'.length) : undefined);
/** The SSRC named by a record name (talkerNameOf checked the form). */
export const ssrcOfName = (name: string): number => Number.parseInt(name.slice(0, 8), 16);

export type TalkerDecoded = { entry: TalkerEntry } | { rejected: string } | { expired: true };

/** A received value: the entry, or why it is refused (malformed, hostile) or ignored (expired at `now`). */
export function decodeTalker(value: Uint8Array, now: number): TalkerDecoded {
  if (value.length > MAX_TALKER_VALUE_BYTES) return { rejected: `value of ${value.length} bytes` };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(value).toString('utf8'));
  } catch {
    return { rejected: 'not JSON' };
  }
  const parsed = talkerEntrySchema.safeParse(json);
  if (!parsed.success) return { rejected: `${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? 'invalid'}`.slice(0, 200) };
  return parsed.data.expires > now ? { entry: parsed.data } : { expired: true };
}

export interface ReplicatedTalkersOptions {
  /** This process's service id (its keys, and the entries it ignores when reading: its own). */
  owner: string;
  backend: string;
  replicas?: number;
  bucket?: string;
  now?: () => number;
  refreshMs?: number;
  lifetimeMs?: number;
  registry?: Registry;
  /** The registry of live services: entries of an owner that is down are ignored until it is up again. */
  control?: Pick<ControlPlane, 'on'>;
  /** A value refused on receipt (rate-limit the log line there). */
  onRejected?: (reason: string) => void;
  /** Publishing failed (NATS down): the entries of this process's talkers could not be written. */
  onWriteFailed?: (err: unknown) => void;
}

export class ReplicatedTalkers {
  /** Entries of other processes by SSRC (live or expired: `entries` filters by time). */
  private readonly bySsrc = new Map<number, Map<string, TalkerEntry>>();
  private readonly listeners = new Set<(ssrc: number) => void>();
  /** This process's entries (rewritten every refresh). */
  private readonly mine = new Map<string, TalkerEntry>();
  private readonly timer: NodeJS.Timeout;
  private records!: KvRecords<TalkerEntry>;
  private rejectedCount = 0;
  private readonly rejectedCounter: Counter | undefined;
  private readonly now: () => number;
  /** Owners the registry reported down (crashed or cut off) and not up again since. */
  private readonly downOwners = new Set<string>();
  private readonly stopWatching: Array<() => void> = [];

  private constructor(private readonly options: ReplicatedTalkersOptions) {
    this.now = options.now ?? Date.now;
    if (options.control) {
      this.stopWatching.push(
        options.control.on('down', (service) => this.ownerChanged(service.id, true)),
        options.control.on('up', (service) => this.ownerChanged(service.id, false)),
      );
    }
    if (options.registry) {
      this.rejectedCounter = new Counter({ name: 'loopcast_talker_entries_rejected_total', help: 'Talker table values refused on receipt (malformed or hostile)', registers: [options.registry] });
    }
    this.timer = setInterval(() => this.refresh(), options.refreshMs ?? TALKER_REFRESH_MS);
    this.timer.unref();
  }

  static async open(connection: NatsConnection, options: ReplicatedTalkersOptions): Promise<ReplicatedTalkers> {
    const talkers = new ReplicatedTalkers(options);
    try {
      talkers.records = await KvRecords.open<TalkerEntry>(connection, {
        bucket: options.bucket ?? TALKERS_BUCKET,
        replicas: options.replicas ?? 3,
        maxAgeMs: TALKERS_MAX_AGE_MS,
        keyOf: talkerKey,
        nameOf: talkerNameOf,
        decode: (value) => talkers.decode(value),
        onReceived: (name, entry) => talkers.received(name, entry),
      });
    } catch (err) {
      clearInterval(talkers.timer);
      for (const stop of talkers.stopWatching) stop();
      throw err;
    }
    return talkers;
  }

  /** Values refused on receipt since start. */
  get rejected(): number {
    return this.rejectedCount;
  }

  /** Live entries of other processes for `ssrc` (this process's own sessions are its local lookup). */
  entries(ssrc: number): TalkerEntry[] {
    const now = this.now();
    return [...(this.bySsrc.get(ssrc)?.values() ?? [])].filter((e) => e.expires > now && e.owner !== this.options.owner && !this.downOwners.has(e.owner));
  }

  /** Told when another process's entry for an SSRC arrives or goes. */
  onChange(listener: (ssrc: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(ssrc: number, client: { connectionId: string; user: string; role: string }): void {
    const name = talkerName(ssrc, this.options.owner, client.connectionId);
    const entry: TalkerEntry = { user: client.user, role: client.role, backend: this.options.backend, owner: this.options.owner, expires: this.now() + this.lifetime };
    this.mine.set(name, entry);
    this.write((draft) => (draft[name] = entry));
  }

  withdraw(ssrc: number, client: { connectionId: string }): void {
    const name = talkerName(ssrc, this.options.owner, client.connectionId);
    if (!this.mine.delete(name)) return;
    this.write((draft) => delete draft[name]);
  }

  /** Stops refreshing and removes this process's entries (waits at most `timeoutMs` for the cluster). */
  async close(timeoutMs = 2000): Promise<void> {
    clearInterval(this.timer);
    for (const stop of this.stopWatching) stop();
    const names = [...this.mine.keys()];
    this.mine.clear();
    const removed = this.records.update((draft) => {
      for (const name of names) delete draft[name];
    });
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([removed.catch(() => undefined), new Promise((resolve) => (timeout = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timeout);
    this.records.close();
  }

  private get lifetime(): number {
    return this.options.lifetimeMs ?? TALKER_LIFETIME_MS;
  }

  private write(apply: (draft: Record<string, TalkerEntry>) => void): void {
    this.records.update(apply).catch((err: unknown) => this.options.onWriteFailed?.(err));
  }

  private refresh(): void {
    this.prune();
    if (this.mine.size === 0) return;
    const expires = this.now() + this.lifetime;
    for (const [name, entry] of this.mine) this.mine.set(name, { ...entry, expires });
    const current = new Map(this.mine);
    this.write((draft) => {
      for (const [name, entry] of current) draft[name] = entry;
    });
  }

  /** Forgets expired entries (a crashed owner's: the server drops its keys without telling watchers). */
  private prune(): void {
    const now = this.now();
    for (const [ssrc, entries] of this.bySsrc) {
      for (const [name, entry] of entries) if (entry.expires <= now) entries.delete(name);
      if (entries.size === 0) this.bySsrc.delete(ssrc);
    }
  }

  private ownerChanged(owner: string, down: boolean): void {
    if (down === this.downOwners.has(owner)) return;
    if (down) this.downOwners.add(owner);
    else this.downOwners.delete(owner);
    for (const [ssrc, entries] of this.bySsrc) {
      if ([...entries.values()].some((e) => e.owner === owner)) this.notify(ssrc);
    }
  }

  private decode(value: Uint8Array): TalkerEntry | undefined {
    const decoded = decodeTalker(value, this.now());
    if ('entry' in decoded) return decoded.entry;
    if ('rejected' in decoded) {
      this.rejectedCount++;
      this.rejectedCounter?.inc();
      this.options.onRejected?.(decoded.rejected);
    }
    return undefined;
  }

  private received(name: string, entry: TalkerEntry | undefined): void {
    const ssrc = ssrcOfName(name);
    let entries = this.bySsrc.get(ssrc);
    if (entry) {
      if (!entries) this.bySsrc.set(ssrc, (entries = new Map<string, TalkerEntry>()));
      entries.set(name, entry);
    } else if (entries) {
      entries.delete(name);
      if (entries.size === 0) this.bySsrc.delete(ssrc);
    }
    this.notify(ssrc);
  }

  private notify(ssrc: number): void {
    for (const listener of this.listeners) {
      try {
        listener(ssrc);
      } catch {
        // A reader's failure must not stop the watch.
      }
    }
  }
}
