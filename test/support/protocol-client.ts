// A test client for the signaling protocol: requests resolve with their reply; pushes are collected.
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';

export interface Message {
  event: string;
  uuid: string;
  type?: string;
  client?: string;
  request?: Record<string, unknown>;
  response?: Record<string, unknown>;
  parameter?: Record<string, unknown>;
  error?: { code: number; description: string };
}

export class ProtocolClient {
  readonly clientId: string;
  readonly pushes: Message[] = [];
  readonly received: Message[] = [];
  private readonly pending = new Map<string, (m: Message) => void>();
  private waiters: Array<() => void> = [];
  closeCode: number | undefined;

  private constructor(
    readonly ws: WebSocket,
    clientId?: string,
  ) {
    this.clientId = clientId ?? randomUUID();
    ws.on('message', (data) => {
      const message = JSON.parse((data as Buffer).toString('utf8')) as Message;
      this.received.push(message);
      const resolve = this.pending.get(message.uuid);
      if (resolve && message.request !== undefined) {
        this.pending.delete(message.uuid);
        resolve(message);
      } else {
        this.pushes.push(message);
      }
      for (const w of this.waiters.splice(0)) w();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async connect(url: string, options: { clientId?: string; origin?: string } = {}): Promise<ProtocolClient> {
    const ws = new WebSocket(url, { rejectUnauthorized: false, ...(options.origin ? { origin: options.origin } : {}) });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new ProtocolClient(ws, options.clientId);
  }

  /** Send a raw frame (string or object) without waiting. */
  sendRaw(frame: string | Buffer): void {
    this.ws.send(frame);
  }

  request(event: string, parameter: Record<string, unknown> = {}, timeoutMs = 10_000): Promise<Message> {
    const uuid = randomUUID();
    const reply = new Promise<Message>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(uuid);
        reject(new Error(`no reply to ${event} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(uuid, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
    this.ws.send(JSON.stringify({ event, uuid, client: this.clientId, type: 'unicast', parameter }));
    return reply;
  }

  /** Request that must succeed: returns `response`. */
  async ok(event: string, parameter: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const reply = await this.request(event, parameter);
    if (reply.error) throw new Error(`${event} failed: ${reply.error.code} ${reply.error.description}`);
    return reply.response ?? {};
  }

  /** Wait until a received message matches (pushes or replies), or time out. */
  async waitFor(predicate: (m: Message) => boolean, timeoutMs = 5_000, from: 'pushes' | 'received' = 'pushes'): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this[from].find(predicate);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a message');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async waitClosed(timeoutMs = 5_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.closeCode === undefined) {
      if (Date.now() > deadline) throw new Error('socket did not close');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.closeCode;
  }

  /** login + authorize in one go. */
  async loginAs(user: string, password: string, role?: string): Promise<string> {
    const response = await this.ok('login', { user, password });
    if (role) await this.ok('authorize', { role });
    return String(response.session);
  }

  close(): void {
    this.ws.close();
  }
}
