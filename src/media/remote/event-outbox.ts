// A media host's events for one signaling service, in order and batched: while one batch is on its
// way, new events queue up and go together in the next one. Signaling answers each batch with the
// sessions it does not know (e.g. it restarted): the host closes them, nobody drives them any more.
import type { ControlPlane } from '../../control/control-plane.js';
import { errorMessage } from '../../control/plane-base.js';
import { eventsReplySchema, MEDIA_EVENTS_COMMAND, type MediaEvent } from './messages.js';

/** A batch above this many events is split (a burst of candidates must not make one huge message). */
const MAX_BATCH = 200;
/**
 * Events waiting for a signaling service that does not answer are bounded: beyond this, stats
 * snapshots (superseded by the next one anyway) are dropped first, then the oldest events.
 */
export const MAX_QUEUED = 5000;

export interface OutboxOptions {
  control: ControlPlane;
  host: string;
  owner: string;
  timeoutMs: number;
  onUnknown: (sessions: string[]) => void;
  onFailure: (message: string) => void;
  /** Closed (close(), or drained after closeWhenDrained()): the owner of the outbox forgets it. */
  onClosed: () => void;
}

export class EventOutbox {
  private queue: MediaEvent[] = [];
  private sending = false;
  private closed = false;
  private closing = false;
  /** Whether events were dropped since the last batch went out (logged once per episode). */
  private dropped = false;

  constructor(private readonly options: OutboxOptions) {}

  push(event: MediaEvent): void {
    if (this.closed) return;
    // New events (the signaling service is back): stay open.
    this.closing = false;
    this.queue.push(event);
    if (this.queue.length > MAX_QUEUED) {
      const kept = this.queue.filter((e) => e.type !== 'stats');
      this.queue = kept.length > MAX_QUEUED ? kept.slice(-MAX_QUEUED) : kept;
      this.dropped = true;
    }
    if (!this.sending) void this.drain();
  }

  /** Events waiting for the next batch. */
  get queued(): number {
    return this.queue.length;
  }

  /** Whether events wait or travel (tests wait for an idle outbox). */
  get idle(): boolean {
    return !this.sending && this.queue.length === 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.options.onClosed();
  }

  /** Sends what is queued (a last word to a signaling service that may be gone), then closes. */
  closeWhenDrained(): void {
    this.closing = true;
    if (this.idle) this.close();
  }

  private async drain(): Promise<void> {
    this.sending = true;
    const { control, host, owner, timeoutMs } = this.options;
    while (this.queue.length > 0 && !this.closed) {
      if (this.dropped) {
        this.dropped = false;
        this.options.onFailure(`more than ${MAX_QUEUED} events queued: stats snapshots or the oldest events dropped`);
      }
      const events = this.queue.splice(0, MAX_BATCH);
      try {
        const reply = eventsReplySchema.safeParse(await control.request(owner, MEDIA_EVENTS_COMMAND, { host, events }, { timeoutMs, retries: 1 }));
        if (reply.success && reply.data.unknown.length > 0) this.options.onUnknown(reply.data.unknown);
      } catch (err) {
        this.options.onFailure(errorMessage(err));
      }
    }
    this.sending = false;
    if (this.closing) this.close();
  }
}
