// The audit log shared by all backends: a replicated JetStream stream (`loopcast.audit`). An entry is
// published (acknowledged by a majority of nodes) after its local audit.jsonl line is fsynced; every
// backend's console reads the newest entries of all backends from the stream, in stream order.
// Own entries come back through the same consumer: one order for everybody.
import { DeliverPolicy, JSONCodec, type ConsumerMessages, type JetStreamClient, type NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { AuditEntry, AuditReplica } from '../../directory/audit-log.js';
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

export class ReplicatedAudit implements AuditReplica {
  private stopped = false;
  /** Highest stream sequence shown: a publish resolves once its entry is visible here. */
  private shown = 0;
  private readonly waiting = new Map<number, () => void>();
  private lateCount = 0;
  private lastLateLog = 0;

  private constructor(
    private readonly connection: NatsConnection,
    private readonly log: Logger | undefined,
  ) {}

  /** Published entries not seen back through the follower within VISIBLE_WAIT_MS. */
  get late(): number {
    return this.lateCount;
  }

  static async open(connection: NatsConnection, options: { replicas?: number; log?: Logger } = {}): Promise<ReplicatedAudit> {
    const jsm = await retried(() => connection.jetstreamManager(), 15_000);
    await retried(async () => {
      try {
        await jsm.streams.info(STREAM);
      } catch {
        await jsm.streams.add({ name: STREAM, subjects: [SUBJECT], num_replicas: options.replicas ?? 3, max_msgs: 1_000_000 });
      }
    }, 15_000);
    return new ReplicatedAudit(connection, options.log);
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
    const now = Date.now();
    if (now - this.lastLateLog < 10_000) return;
    this.lastLateLog = now;
    this.log?.warn({ seq: ack.seq, late: this.lateCount }, `audit entry stored but not back through the follower within ${VISIBLE_WAIT_MS} ms: the console may miss the newest entries`);
  }

  async follow(onEntry: (entry: AuditEntry) => void): Promise<void> {
    const js = this.connection.jetstream({ timeout: DEFAULT_KV_WATCH.createTimeoutMs });
    const info = await retried(async () => (await this.connection.jetstreamManager()).streams.info(STREAM));
    const start = Math.max(1, info.state.last_seq - KEEP + 1);
    let loaded!: () => void;
    const ready = new Promise<void>((resolve) => (loaded = resolve));
    if (info.state.last_seq < start) loaded();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`audit stream ${STREAM}: the newest entries did not arrive within ${DEFAULT_KV_WATCH.openDeadlineMs} ms`)), DEFAULT_KV_WATCH.openDeadlineMs);
    });
    try {
      await Promise.race([this.consume(js, start, info.state.last_seq, onEntry, loaded).then(() => ready), late]);
    } catch (err) {
      this.close();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private async consume(js: JetStreamClient, start: number, last: number, onEntry: (entry: AuditEntry) => void, loaded: () => void): Promise<void> {
    let messages: ConsumerMessages | undefined;
    while (!messages && !this.stopped) {
      const consumer = await retried(() => js.consumers.get(STREAM, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start }));
      const attempt = consumer.consume({ expires: PULL_EXPIRES_MS });
      messages = await Promise.race([attempt, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ATTEMPT_MS))]);
      // Given up (its create is probably stuck on a dead node): stopped if it ever comes up.
      if (!messages) attempt.then((late) => late.stop(), () => undefined);
    }
    if (!messages) return;
    const iterator = messages;
    void (async () => {
      try {
        for await (const message of iterator) {
          if (this.stopped) break;
          const parsed = entrySchema.safeParse(message.json<unknown>());
          if (parsed.success) onEntry(parsed.data);
          this.shown = message.seq;
          for (const [seq, resolve] of this.waiting) {
            if (seq <= this.shown) {
              this.waiting.delete(seq);
              resolve();
            }
          }
          if (message.seq >= last) loaded();
        }
      } catch {
        // The consumer gave up (its stream is gone): the entries stop; the deadline above reports a start.
      }
    })();
  }

  close(): void {
    this.stopped = true;
    for (const resolve of this.waiting.values()) resolve();
  }
}
