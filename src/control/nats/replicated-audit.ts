// The audit log shared by all backends: a replicated JetStream stream (`loopcast.audit`). An entry is
// published (acknowledged by a majority of nodes) after its local audit.jsonl line is fsynced; every
// backend's console reads the newest entries of all backends from the stream, in stream order.
// Own entries come back through the same consumer: one order for everybody.
import { DeliverPolicy, JSONCodec, type NatsConnection } from 'nats';
import { z } from 'zod';
import type { AuditEntry, AuditReplica } from '../../directory/audit-log.js';
import { retried } from './retried.js';

const SUBJECT = 'loopcast.audit';
const STREAM = 'LOOPCAST_AUDIT';
const KEEP = 5000;
const json = JSONCodec<unknown>();

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

  private constructor(private readonly connection: NatsConnection) {}

  static async open(connection: NatsConnection, options: { replicas?: number } = {}): Promise<ReplicatedAudit> {
    const jsm = await retried(() => connection.jetstreamManager(), 15_000);
    await retried(async () => {
      try {
        await jsm.streams.info(STREAM);
      } catch {
        await jsm.streams.add({ name: STREAM, subjects: [SUBJECT], num_replicas: options.replicas ?? 3, max_msgs: 1_000_000 });
      }
    }, 15_000);
    return new ReplicatedAudit(connection);
  }

  async publish(entry: AuditEntry): Promise<void> {
    // A message id makes the retry after a lost acknowledgement a duplicate the stream drops.
    const msgID = `${entry.time}-${Math.random().toString(36).slice(2)}`;
    const ack = await retried(() => this.connection.jetstream().publish(SUBJECT, json.encode(entry), { msgID }));
    if (ack.seq <= this.shown) return;
    await new Promise<void>((resolve) => this.waiting.set(ack.seq, resolve));
  }

  async follow(onEntry: (entry: AuditEntry) => void): Promise<void> {
    const js = this.connection.jetstream();
    const info = await retried(async () => (await this.connection.jetstreamManager()).streams.info(STREAM));
    const start = Math.max(1, info.state.last_seq - KEEP + 1);
    const consumer = await js.consumers.get(STREAM, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start });
    let loaded!: () => void;
    const ready = new Promise<void>((resolve) => (loaded = resolve));
    if (info.state.last_seq < start) loaded();
    const messages = await consumer.consume();
    void (async () => {
      for await (const message of messages) {
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
        if (message.seq >= info.state.last_seq) loaded();
      }
    })();
    await ready;
  }

  close(): void {
    this.stopped = true;
    for (const resolve of this.waiting.values()) resolve();
  }
}
