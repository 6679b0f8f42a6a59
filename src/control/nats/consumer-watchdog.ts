// Keeps a consumer of a replicated stream (a KV watch, the audit follower) following although the NATS
// node holding it may die. Such consumers are ordered, with one replica: on nats-server 2.9 the client's
// own reset after its node died may stay assigned to the dead node and never be answered — the stream
// moves on, the consumer says nothing. A consumer that goes quiet while its stream moves on, or ends, or
// whose connection reconnected, is replaced by a new one started right after the last sequence
// delivered (a new name: a new placement), started before the old one is stopped (never no consumer)
// and retried until it succeeds. The owner delivers each sequence once (it skips what it has).
import { Events, type NatsConnection } from 'nats';

export interface Stoppable {
  stop(): void;
}

export type ReplaceReason = 'behind' | 'ended' | 'reconnected';

export interface ConsumerWatchdogOptions<T extends Stoppable> {
  connection: NatsConnection;
  /** How often the stream's last sequence is compared with what the consumer delivered. */
  checkMs: number;
  /** The last sequence the consumer should deliver (0: nothing to deliver); rejects when the cluster does not answer. */
  last: () => Promise<number>;
  /** Highest sequence delivered. */
  delivered: () => number;
  /** A new consumer from right after `delivered()`; resolves once it is up, rejects when it is not. */
  start: () => Promise<T>;
  /** After each replacement (the new consumer current, the old one stopped). */
  onReplaced?: (reason: ReplaceReason) => void;
}

export const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

export class ConsumerWatchdog<T extends Stoppable> {
  private current: T;
  private restarting: Promise<void> | undefined;
  private again: ReplaceReason | undefined;
  private checking = false;
  private closed = false;
  private readonly timer: NodeJS.Timeout;
  private replacedCount = 0;
  /** `delivered()` when the stream was first seen ahead of it. */
  private behindAt: number | undefined;
  private unanswered = false;

  constructor(
    private readonly options: ConsumerWatchdogOptions<T>,
    first: T,
  ) {
    this.current = first;
    void this.watchReconnects();
    this.timer = setInterval(() => this.check(), options.checkMs);
    this.timer.unref();
  }

  /** Consumers replaced so far. */
  get replaced(): number {
    return this.replacedCount;
  }

  /** Whether `consumer` is the one followed (its end then calls for a replacement). */
  isCurrent(consumer: T): boolean {
    return !this.closed && this.current === consumer;
  }

  private async watchReconnects(): Promise<void> {
    for await (const status of this.options.connection.status()) {
      if (this.closed) return;
      if (status.type === Events.Reconnect) this.replace('reconnected');
    }
  }

  /**
   * Behind at two checks in a row, or behind at the first check that is answered after the cluster did
   * not answer (a leader was being elected: a node may have died with the consumer).
   */
  private check(): void {
    if (this.checking || this.closed) return;
    this.checking = true;
    void this.options
      .last()
      .then(
        (last) => {
          const delivered = this.options.delivered();
          if (last <= delivered) this.behindAt = undefined;
          else if (this.behindAt !== delivered && !this.unanswered) this.behindAt = delivered;
          else {
            this.behindAt = undefined;
            this.replace('behind');
          }
          this.unanswered = false;
        },
        () => (this.unanswered = true),
      )
      .finally(() => (this.checking = false));
  }

  /**
   * A new consumer, then the old one stopped; one replacement at a time. Three creates race (the first
   * up wins, the others are stopped): one in three lands on a dead node, and with two racing both did
   * in 3 of 30 audit follower replacements measured, costing a 2.5 s attempt timeout more.
   */
  replace(reason: ReplaceReason): void {
    if (this.closed) return;
    if (this.restarting) {
      // Behind while being replaced: the replacement answers that. An end or a reconnect meanwhile may
      // have hit the consumer being started: once more.
      if (reason !== 'behind') this.again = reason;
      return;
    }
    this.restarting = (async () => {
      for (let tries = 0; !this.closed; tries++) {
        const began = Date.now();
        try {
          const racing = [this.options.start(), this.options.start(), this.options.start()];
          const next = await Promise.any(racing);
          for (const other of racing) void other.then((consumer) => consumer !== next && consumer.stop(), () => undefined);
          const old = this.current;
          this.current = next;
          old.stop();
          if (this.closed) {
            next.stop();
            return;
          }
          this.replacedCount++;
          this.options.onReplaced?.(reason);
          return;
        } catch {
          await pause(Math.min(100 * 2 ** tries, 2000) - (Date.now() - began));
        }
      }
    })().finally(() => {
      this.restarting = undefined;
      const again = this.again;
      this.again = undefined;
      if (again) this.replace(again);
    });
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.current.stop();
  }
}
