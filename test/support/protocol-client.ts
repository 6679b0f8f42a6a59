// The tests' protocol client: the library client (src/protocol/client) plus a history of what arrived, replies as
// values (error replies included) and every server message checked against the contract: a message that breaks it
// fails the test at the next request or wait of this client.
import WebSocket from 'ws';
import { ProtocolClient as LibraryClient } from '../../src/protocol/client/index.js';
import { messageIssues } from '../../src/protocol/validate.js';
import type { WireError } from '../../src/protocol/errors.js';

export interface Message {
  event: string;
  uuid: string;
  type?: string;
  client?: string;
  request?: Record<string, unknown>;
  response?: Record<string, unknown>;
  parameter?: Record<string, unknown>;
  error?: WireError;
}

export class ProtocolClient {
  readonly pushes: Message[] = [];
  readonly received: Message[] = [];
  private waiters: Array<() => void> = [];
  closeCode: number | undefined;

  private constructor(
    /** The raw socket underneath, for frames the library never sends (binary, malformed). */
    readonly ws: WebSocket,
    readonly library: LibraryClient,
    /** Messages of the server that break the contract (src/protocol/contract.ts), with the problems found. */
    readonly contractViolations: string[],
  ) {
    library.onMessage((message, awaited) => {
      this.received.push(message as unknown as Message);
      // Pushes, and answers to raw frames (no request of ours waits for them).
      if (!awaited) this.pushes.push(message as unknown as Message);
      this.wake();
    });
    library.onClose((code) => {
      this.closeCode = code;
      this.wake();
    });
  }

  get clientId(): string {
    return this.library.client;
  }

  static async connect(url: string, options: { clientId?: string; origin?: string } = {}): Promise<ProtocolClient> {
    const ws = new WebSocket(url, { rejectUnauthorized: false, ...(options.origin ? { origin: options.origin } : {}) });
    const violations: string[] = [];
    const library = await LibraryClient.open(ws, {
      ...(options.clientId ? { client: options.clientId } : {}),
      check: messageIssues,
      onContractViolation: (problems, message) => violations.push(`${problems.join('; ')}: ${JSON.stringify(message).slice(0, 300)}`),
    });
    return new ProtocolClient(ws, library, violations);
  }

  /** Send a raw frame without waiting (malformed input, binary frames). */
  sendRaw(frame: string | Buffer): void {
    this.ws.send(frame);
  }

  /** Any event and parameter; resolves with the whole reply, errors included. */
  async request(event: string, parameter: Record<string, unknown> = {}, timeoutMs = 10_000): Promise<Message> {
    this.assertContract();
    const reply = (await this.library.exchange(event, parameter, { timeoutMs })) as Message;
    this.assertContract();
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
      this.assertContract();
      const found = this[from].find(predicate);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a message');
      await this.nextEvent(left);
    }
  }

  async waitClosed(timeoutMs = 5_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.closeCode === undefined) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('socket did not close');
      await this.nextEvent(left);
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
    this.library.close();
  }

  /** Tests that provoke a broken message on purpose read and clear `contractViolations` first. */
  private assertContract(): void {
    if (this.contractViolations.length > 0) throw new Error(`the server broke the protocol contract:\n${this.contractViolations.join('\n')}`);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private nextEvent(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
