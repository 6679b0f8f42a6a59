// The audit log shared by all backends: a replicated JetStream stream (`loopcast.audit`). An entry is
// published (acknowledged by a majority of nodes) after its local audit.jsonl line is fsynced; every
// backend's console reads the newest entries of all backends from the stream, in stream order.
// Own entries come back through the same consumer: one order for everybody.
import { DeliverPolicy, JSONCodec, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg, type NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { z } from 'zod';
import type { AuditEntry, AuditReplica } from '../../directory/audit-log.js';
import { ConsumerWatchdog, type ReplaceReason } from './consumer-watchdog.js';
import { DEFAULT_KV_WATCH } from './kv-watch.js';
import { retried } from './retried.js';

const SUBJECT = 'loopcast.audit';
const STREAM = 'LOOPCAST_AUDIT';
const KEEP = 5000;
/**
 * The follower's consumer (ordered, one replica) lands on a random node of the stream on nats-server
 * 2.9, a dead one too, where its create is never answered; the client retries it under the same name,
 * which the server keeps assigned to the dead node, pausing `expires` ±50 % (30 s by default) in
 * between: a backend's start hung for good (measured: 3 of 4 runs with one node of three dead). Each
 * attempt is a new consumer (a new name, a new placement) given a short time; the pause before the
 * client's own retry follows the pull expiry, kept short too.
 */
const PULL_EXPIRES_MS = 2000;
const ATTEMPT_MS = DEFAULT_KV_WATCH.createTimeoutMs + 500;
const json = JSONCodec<unknown>();
/**
 * How long a publish waits for its entry to come back through the follower (so the console shows it)
 * after the stream acknowledged it. The entry is durable then; a follower that is stuck (its node died)
 * must not hold every audited request — and the socket behind it — forever.
 */
export const VISIBLE_WAIT_MS = 2000;

const entrySchema = z.strictObject({
  time: z.string().max(64),
  user: z.string().max(256),
  event: z.string().max(64),
  target: z.strictObject({ type: z.string().max(64), id: z.string().max(256) }).nullable(),
  domain: z.string().max(256).nullable(),
  project: z.string().max(256).nullable(),
  summary: z.string().max(1024),
});

function parseJson(message: JsMsg): unknown {
  try {
    return message.json<unknown>();
  } catch {
    return undefined;
  }
}

export class ReplicatedAudit implements AuditReplica {
  private stopped = false;
  /** Highest stream sequence shown: a publish resolves once its entry is visible here. */
  private shown = 0;
  private readonly waiting = new Map<number, () => void>();
  private lateCount = 0;
  private lastLateLog = 0;
  /** The first sequence followed (the newest KEEP entries at start). */
  private from = 1;
  private onEntry: (entry: AuditEntry) => void = () => undefined;
  /** Resolves the start once the newest entries at start arrived. */
  private loaded: (seq: number) => void = () => undefined;
  private watchdog: ConsumerWatchdog<ConsumerMessages> | undefined;
  private lastReplacedLog = 0;

  private readonly lateCounter: Counter | undefined;
  private readonly replacedCounter: Counter | undefined;

  private constructor(
    private readonly connection: NatsConnection,
    private readonly log: Logger | undefined,
    registry: Registry | undefined,
  ) {
    if (registry) {
      this.lateCounter = new Counter({ name: 'loopcast_audit_late_total', help: `Audit entries stored but not back through this backend's follower within ${VISIBLE_WAIT_MS} ms`, registers: [registry] });
      this.replacedCounter = new Counter({ name: 'loopcast_audit_follower_replaced_total', help: 'Audit follower consumers replaced (stalled on a dead NATS node, ended, or after a reconnect)', registers: [registry] });
    }
  }

  /** Published entries not seen back through the follower within VISIBLE_WAIT_MS. */
  get late(): number {
    return this.lateCount;
  }

  static async open(connection: NatsConnection, options: { replicas?: number; log?: Logger; registry?: Registry } = {}): Promise<ReplicatedAudit> {
    const jsm = await retried(() => connection.jetstreamManager(), 15_000);
    await retried(async () => {
      try {
        await jsm.streams.info(STREAM);
      } catch {
        await jsm.streams.add({ name: STREAM, subjects: [SUBJECT], num_replicas: options.replicas ?? 3, max_msgs: 1_000_000 });
      }
    }, 15_000);
    return new ReplicatedAudit(connection, options.log, options.registry);
  }

  async publish(entry: AuditEntry): Promise<void> {
    // A message id makes the retry after a lost acknowledgement a duplicate the stream drops.
    const msgID = `${entry.time}-${Math.random().toString(36).slice(2)}`;
    const ack = await retried(() => this.connection.jetstream().publish(SUBJECT, json.encode(entry), { msgID }));
    if (ack.seq <= this.shown) return;
    let timer: NodeJS.Timeout | undefined;
    const seen = await new Promise<boolean>((resolve) => {
      this.waiting.set(ack.seq, () => resolve(true));
      timer = setTimeout(() => resolve(false), VISIBLE_WAIT_MS);
    });
    clearTimeout(timer);
    if (seen) return;
    this.waiting.delete(ack.seq);
    this.lateCount++;
    this.lateCounter?.inc();
    const now = Date.now();
    if (now - this.lastLateLog < 10_000) return;
    this.lastLateLog = now;
    this.log?.warn({ seq: ack.seq, late: this.lateCount }, `audit entry stored but not back through the follower within ${VISIBLE_WAIT_MS} ms: the console may miss the newest entries`);
  }

  /** Follower consumers replaced (stalled on a dead node, ended, or after a reconnect). */
  get replaced(): number {
    return this.watchdog?.replaced ?? 0;
  }

  async follow(onEntry: (entry: AuditEntry) => void): Promise<void> {
    const js = this.connection.jetstream({ timeout: DEFAULT_KV_WATCH.createTimeoutMs });
    const jsm = await retried(() => this.connection.jetstreamManager({ timeout: DEFAULT_KV_WATCH.createTimeoutMs }));
    const info = await retried(() => jsm.streams.info(STREAM));
    const last = info.state.last_seq;
    this.from = Math.max(1, last - KEEP + 1);
    this.onEntry = onEntry;
    const ready = new Promise<void>((resolve) => {
      this.loaded = (seq) => seq >= last && resolve();
      if (last < this.from) resolve();
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`audit stream ${STREAM}: the newest entries did not arrive within ${DEFAULT_KV_WATCH.openDeadlineMs} ms`)), DEFAULT_KV_WATCH.openDeadlineMs);
    });
    try {
      await Promise.race([this.consume(js, jsm).then(() => ready), late]);
    } catch (err) {
      this.close();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The first consumer (tried until one is up), then a watchdog that replaces it when it stalls. */
  private async consume(js: JetStreamClient, jsm: JetStreamManager): Promise<void> {
    let first: ConsumerMessages | undefined;
    while (!first && !this.stopped) first = await this.attempt(js).catch(() => undefined);
    if (!first) return;
    this.watchdog = new ConsumerWatchdog(
      {
        connection: this.connection,
        checkMs: DEFAULT_KV_WATCH.checkMs,
        last: async () => (await jsm.streams.info(STREAM)).state.last_seq,
        delivered: () => this.shown,
        start: () => this.attempt(js),
        onReplaced: (reason) => this.onReplaced(reason),
      },
      first,
    );
    if (this.stopped) this.watchdog.close();
  }

  /** One consumer from right after the newest entry shown, given ATTEMPT_MS to come up. */
  private async attempt(js: JetStreamClient): Promise<ConsumerMessages> {
    const consumer = await retried(() => js.consumers.get(STREAM, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Math.max(this.from, this.shown + 1) }));
    const starting = consumer.consume({ expires: PULL_EXPIRES_MS });
    let timer: NodeJS.Timeout | undefined;
    const messages = await Promise.race([starting, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ATTEMPT_MS)))]);
    clearTimeout(timer);
    if (!messages || this.stopped) {
      // Given up (its create is probably stuck on a dead node): stopped if it ever comes up.
      void starting.then((up) => up.stop(), () => undefined);
      throw new Error(`audit stream ${STREAM}: consumer not up within ${ATTEMPT_MS} ms`);
    }
    void this.pump(messages);
    return messages;
  }

  private async pump(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const message of messages) {
        if (this.stopped) break;
        this.take(message);
      }
    } catch {
      // Ended with an error (e.g. its stream is gone): replaced like any end.
    }
    if (this.watchdog?.isCurrent(messages)) this.watchdog.replace('ended');
  }

  /** Each sequence once, in stream order: a replacement overlaps with the consumer it replaces. */
  private take(message: JsMsg): void {
    if (message.seq <= this.shown) return;
    // Shown before anything can throw: a malformed entry is skipped, never followed again and again.
    this.shown = message.seq;
    const parsed = entrySchema.safeParse(parseJson(message));
    if (parsed.success) this.onEntry(parsed.data);
    this.loaded(message.seq);
    for (const [seq, resolve] of this.waiting) {
      if (seq <= this.shown) {
        this.waiting.delete(seq);
        resolve();
      }
    }
  }

  private onReplaced(reason: ReplaceReason): void {
    this.replacedCounter?.inc();
    const now = Date.now();
    if (now - this.lastReplacedLog < 10_000) return;
    this.lastReplacedLog = now;
    this.log?.warn({ reason, shown: this.shown, replaced: this.replaced }, 'audit follower replaced (its consumer stalled, ended, or the connection reconnected)');
  }

  close(): void {
    this.stopped = true;
    this.watchdog?.close();
    for (const resolve of this.waiting.values()) resolve();
  }
}
