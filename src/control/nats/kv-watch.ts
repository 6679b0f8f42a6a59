// A watch on a whole replicated KV bucket that a dead NATS node cannot silence or hold up.
//
// A KV watch is an ordered consumer (one replica, in memory). nats-server 2.9 places it on a random
// node of the bucket's stream, dead or alive: with one of three nodes down, about one consumer create
// in three is assigned to the dead node and never answered (measured: 8 of 30). The client then waits
// its whole request timeout (5 s by default) before trying again, so a backend opening its buckets
// after a node death could run out of time on a few unlucky draws. Here every create gets a short
// timeout (a create that is answered at all takes a few ms, ~100 ms on a loaded machine) and is
// tried again until the deadline; the initial content must keep arriving; a watch that goes quiet
// while the bucket moves on, or ends, or whose connection reconnected, is replaced by a new one
// started right after the last revision delivered, before the old one is stopped (never no watch:
// consumer-watchdog.ts). Entries reach `deliver` once each, in revision order.
import type { KV, KvEntry, NatsConnection, QueuedIterator } from 'nats';
import { ConsumerWatchdog, pause } from './consumer-watchdog.js';

export interface KvWatchTiming {
  /** Opening: the first watch up and the bucket's content delivered, or the open fails. */
  openDeadlineMs: number;
  /** One consumer create (request timeout). */
  createTimeoutMs: number;
  /** The initial content: an attempt that delivers nothing for this long is replaced. */
  stallMs: number;
  /** How often the bucket's last revision is compared with what the watch delivered. */
  checkMs: number;
}

export const DEFAULT_KV_WATCH: KvWatchTiming = { openDeadlineMs: 30_000, createTimeoutMs: 2000, stallMs: 5000, checkMs: 750 };

/** `initial`: part of the bucket's content at open (as opposed to a later change). */
export type Deliver = (entry: KvEntry, initial: boolean) => void;

export class KvWatch {
  /** Highest revision delivered: a new watch starts right after it. */
  private received = 0;
  private loading = true;
  private watchdog: ConsumerWatchdog<QueuedIterator<KvEntry>> | undefined;
  private closed = false;

  private constructor(
    private readonly bucket: string,
    private readonly kv: KV,
    private readonly deliver: Deliver,
    private readonly timing: KvWatchTiming,
  ) {}

  /** Resolves once the bucket's content was delivered (`initial` true), then follows its changes. */
  static async open(connection: NatsConnection, bucket: string, deliver: Deliver, timing: KvWatchTiming = DEFAULT_KV_WATCH): Promise<KvWatch> {
    const deadline = Date.now() + timing.openDeadlineMs;
    // A JetStream context of its own: its timeout is the consumer create's (and the status check's).
    const js = connection.jetstream({ timeout: timing.createTimeoutMs });
    const kv = await KvWatch.untilDeadline(deadline, () => js.views.kv(bucket, { bindOnly: true }));
    const watch = new KvWatch(bucket, kv, deliver, timing);
    let first: QueuedIterator<KvEntry>;
    try {
      first = await KvWatch.untilDeadline(deadline, () => watch.attempt(deadline));
    } catch (err) {
      watch.close();
      throw err;
    }
    watch.loading = false;
    watch.watchdog = new ConsumerWatchdog(
      {
        connection,
        checkMs: timing.checkMs,
        // An empty bucket (every value past the bucket's max age) has nothing left to deliver.
        last: async () => {
          const status = await kv.status();
          return status.values > 0 ? status.streamInfo.state.last_seq : 0;
        },
        delivered: () => watch.received,
        start: () => watch.attempt(),
      },
      first,
    );
    return watch;
  }

  private static async untilDeadline<T>(deadline: number, task: () => Promise<T>): Promise<T> {
    for (let tries = 0; ; tries++) {
      const began = Date.now();
      try {
        return await task();
      } catch (err) {
        if (Date.now() >= deadline) throw err;
        // Attempts start at most every 0.1, 0.2 … 1 s: a create that timed out has waited already.
        await pause(Math.min(100 * 2 ** tries, 1000, deadline - Date.now()) - (Date.now() - began));
      }
    }
  }

  private take(entry: KvEntry): void {
    if (this.closed || entry.revision <= this.received) return;
    this.received = entry.revision;
    this.deliver(entry, this.loading);
  }

  /** One watch from right after the last revision delivered; while loading, resolves once it delivered the content. */
  private async attempt(deadline?: number): Promise<QueuedIterator<KvEntry>> {
    const from = this.received + 1;
    let pumped = 0;
    // How many entries are the content at open: known when the client calls initializedFn.
    let initialCount: number | undefined;
    let returned = false;
    let initialized!: () => void;
    let failed!: (err: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      initialized = resolve;
      failed = reject;
    });
    // Awaited only while loading: a later end must not be an unhandled rejection.
    ready.catch(() => undefined);
    const check = (): void => {
      if (initialCount !== undefined && initialCount >= 0 && pumped >= initialCount) initialized();
    };
    const started = await this.kv.watch({
      key: '>',
      ...(from > 1 ? { resumeFromRevision: from } : {}),
      initializedFn: () => {
        // Called inside kv.watch (the content is queued already: counted below) or from the queue.
        initialCount = returned ? pumped : -1;
        check();
      },
    });
    returned = true;
    if (initialCount === -1) initialCount = started.getReceived();
    let lastEntry = Date.now();
    void (async () => {
      try {
        for await (const entry of started) {
          lastEntry = Date.now();
          pumped++;
          this.take(entry);
          check();
        }
      } catch {
        // Ended with an error (e.g. its consumer could not be recreated): replaced like any end.
      }
      failed(new Error(`kv watch ${this.bucket}: ended`));
      if (this.watchdog?.isCurrent(started)) this.watchdog.replace('ended');
    })();
    if (!this.loading) return started;
    check();
    // The content keeps arriving, or this attempt is given up (its consumer may sit on a dead node).
    const probe = setInterval(() => {
      if (this.closed || Date.now() - lastEntry > this.timing.stallMs || (deadline !== undefined && Date.now() >= deadline)) {
        failed(new Error(`kv watch ${this.bucket}: no content for ${this.timing.stallMs} ms`));
      }
    }, 100);
    try {
      await ready;
    } catch (err) {
      started.stop();
      throw err;
    } finally {
      clearInterval(probe);
    }
    return started;
  }

  /** Highest revision delivered. */
  get revision(): number {
    return this.received;
  }

  close(): void {
    this.closed = true;
    this.watchdog?.close();
  }
}
