// The load tool's signaling client (docs/openvocs-protocol.md §2): JSON over WSS, replies matched by uuid, every
// reply's latency recorded per event name, pushes handed to listeners. Unlike the tests' client it
// keeps no message history, so hundreds of long-running operators stay cheap.
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import type { JsonObject, Push, Reply } from '../../src/protocol/envelope.js';
import type { SeriesRecorder } from './stats.js';

export class ProtocolReplyError extends Error {
  override name = 'ProtocolReplyError';
  constructor(
    readonly event: string,
    readonly code: number,
    description: string,
  ) {
    super(`${event} failed: ${code} ${description}`);
  }
}

type PushListener = (push: Push) => void;

export class SignalingClient {
  readonly clientId = randomUUID();
  private readonly pending = new Map<string, { event: string; sent: number; done: (reply: Reply) => void; timer: NodeJS.Timeout }>();
  private readonly listeners = new Set<PushListener>();
  private closed = false;

  private constructor(
    private readonly ws: WebSocket,
    private readonly replyMs: SeriesRecorder | undefined,
  ) {
    ws.on('message', (data) => this.onMessage(data as Buffer));
    ws.on('close', () => {
      this.closed = true;
      for (const [uuid, p] of this.pending) {
        clearTimeout(p.timer);
        this.pending.delete(uuid);
        p.done({ event: p.event, uuid, type: 'unicast', request: {}, response: {}, error: { code: -1, description: 'socket closed' } });
      }
    });
  }

  /** Opens the socket; self-signed certificates are accepted (benchmark servers use them). */
  static async connect(url: string, replyMs?: SeriesRecorder): Promise<SignalingClient> {
    const ws = new WebSocket(url, { rejectUnauthorized: false, perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.on('error', () => undefined); // a later error also closes the socket; 'close' handles it
    return new SignalingClient(ws, replyMs);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Sends a request and resolves with its `response`; error replies reject with ProtocolReplyError. */
  request(event: string, parameter: JsonObject = {}, timeoutMs = 15_000): Promise<JsonObject> {
    if (this.closed) return Promise.reject(new Error(`${event}: socket closed`));
    const uuid = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(uuid);
        reject(new Error(`no reply to ${event} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(uuid, {
        event,
        sent: performance.now(),
        timer,
        done: (reply) => (reply.error ? reject(new ProtocolReplyError(event, reply.error.code, reply.error.description)) : resolve(reply.response)),
      });
      this.ws.send(JSON.stringify({ event, uuid, client: this.clientId, type: 'unicast', parameter }));
    });
  }

  onPush(listener: PushListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the first push of `event` from now on. */
  waitForPush(event: string, timeoutMs: number): Promise<Push> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no ${event} push within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.onPush((push) => {
        if (push.event !== event) return;
        clearTimeout(timer);
        off();
        resolve(push);
      });
    });
  }

  close(): void {
    if (!this.closed) this.ws.close();
    this.closed = true;
  }

  private onMessage(data: Buffer): void {
    let message: Partial<Reply & Push>;
    try {
      message = JSON.parse(data.toString('utf8')) as Partial<Reply & Push>;
    } catch {
      return; // not our problem to diagnose here; the protocol tests cover the server's framing
    }
    const pending = message.uuid !== undefined && message.request !== undefined ? this.pending.get(message.uuid) : undefined;
    if (pending) {
      clearTimeout(pending.timer);
      this.pending.delete(message.uuid as string);
      this.replyMs?.add(pending.event, performance.now() - pending.sent);
      pending.done(message as Reply);
      return;
    }
    if (typeof message.event === 'string') for (const l of this.listeners) l(message as Push);
  }
}
