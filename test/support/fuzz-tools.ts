// Tools for hardening and fuzz tests: a raw WebSocket that records every frame (optionally from another
// loopback source address) whose frames are checked against the protocol contract, and a /health probe.
import { randomUUID } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import WebSocket from 'ws';
import { pushIssues, replyIssues } from '../../src/protocol/validate.js';

export interface ReplyFrame {
  event: string;
  uuid: string;
  client?: string;
  type: 'unicast';
  request: Record<string, unknown>;
  response: Record<string, unknown>;
  error?: { code: number; description: string };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function rawText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return Buffer.from(new Uint8Array(data)).toString('utf8');
}

export interface RawSocketOptions {
  /** Loopback source address, e.g. 127.0.0.2: the server sees another remote address. */
  localAddress?: string;
  /** The envelope's `client` (sessions are bound to it); default a random uuid. */
  clientId?: string;
}

/** A WebSocket that keeps every frame it receives, split into replies (have `request`) and pushes. */
export class RawSocket {
  readonly replies: ReplyFrame[] = [];
  readonly pushes: Record<string, unknown>[] = [];
  /** Frames that are neither a well-formed reply nor a well-formed push, with the reason. */
  readonly anomalies: string[] = [];
  closeCode: number | undefined;
  private waiters: Array<() => void> = [];

  private constructor(
    readonly ws: WebSocket,
    readonly clientId: string,
  ) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) this.anomalies.push('server sent a binary frame');
      else this.accept(rawText(data));
      this.wake();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.wake();
    });
    // A killed server resets the connection: that shows as closeCode, not as an unhandled error.
    ws.on('error', () => undefined);
  }

  static async connect(url: string, options: RawSocketOptions = {}): Promise<RawSocket> {
    const ws = new WebSocket(url, { rejectUnauthorized: false, ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new RawSocket(ws, options.clientId ?? randomUUID());
  }

  private accept(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      this.anomalies.push(`server sent invalid JSON: ${text.slice(0, 200)}`);
      return;
    }
    if (isObject(message) && 'request' in message) {
      const problems = replyIssues(message);
      if (problems.length > 0) this.anomalies.push(`${problems.join('; ')}: ${text.slice(0, 300)}`);
      this.replies.push(message as unknown as ReplyFrame);
      return;
    }
    const problems = pushIssues(message);
    if (problems.length > 0) this.anomalies.push(`${problems.join('; ')}: ${text.slice(0, 300)}`);
    if (isObject(message)) this.pushes.push(message);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  sendText(text: string): void {
    this.ws.send(text, { binary: false });
  }

  sendBinary(bytes: Buffer): void {
    this.ws.send(bytes, { binary: true });
  }

  /** Send a request envelope and wait for its reply (matched by uuid). */
  async request(event: string, parameter: Record<string, unknown>, uuid: string, timeoutMs = 10_000): Promise<ReplyFrame> {
    this.sendText(JSON.stringify({ event, uuid, client: this.clientId, type: 'unicast', parameter }));
    return this.waitForReply((r) => r.uuid === uuid, timeoutMs);
  }

  /** Wait until a reply matches, or time out (also fails fast when the socket closes). */
  async waitForReply(predicate: (reply: ReplyFrame) => boolean, timeoutMs = 10_000): Promise<ReplyFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.replies.find(predicate);
      if (found) return found;
      if (this.closeCode !== undefined) throw new Error(`socket closed (code ${this.closeCode}) while waiting for a reply`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a reply');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Wait until at least `count` replies arrived. */
  async waitForReplyCount(count: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.replies.length < count) {
      if (this.closeCode !== undefined) throw new Error(`socket closed (code ${this.closeCode}) with ${this.replies.length}/${count} replies`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out with ${this.replies.length}/${count} replies`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.ws.terminate();
  }
}

/** GET /health of a running server (self-signed certificate accepted). */
export function getHealth(port: number, timeoutMs = 5_000): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path: '/health', method: 'GET', rejectUnauthorized: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
          resolve({ status: res.statusCode ?? 0, body });
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('health request timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** Expected role_loops permissions of the fixture (test/support/server.ts). */
export const FIXTURE_PERMISSIONS: Readonly<Record<string, Readonly<Record<string, 'send' | 'recv'>>>> = {
  flight: { loop1: 'send', loop2: 'send', loop3: 'recv', loop4: 'send' },
  ground: { loop1: 'send', loop2: 'recv', loop3: 'send', loop4: 'send' },
};

// ── structured hostile frames (issue 9): shapes an attacker builds on purpose, not random noise ──

/** Names that are not plain data on a JavaScript object: as ids, keys and event names. */
export const RESERVED_NAMES: readonly string[] = [
  '__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf', 'isPrototypeOf',
  'propertyIsEnumerable', 'toLocaleString', '__defineGetter__', '__lookupGetter__', 'apply', 'call', 'bind', 'length', 'name',
];

/** JSON text of `depth` nested arrays or objects around `leaf`, built as text (JSON.stringify would recurse). */
export function nestedJson(depth: number, kind: 'array' | 'object', leaf = '0'): string {
  return kind === 'array' ? '['.repeat(depth) + leaf + ']'.repeat(depth) : '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);
}

/** One request frame as text, with `parameter` given as JSON text (so it may hold own `__proto__` keys). */
export function requestText(event: string, uuid: string, parameterJson: string): string {
  return `{"event":${JSON.stringify(event)},"uuid":${JSON.stringify(uuid)},"type":"unicast","parameter":${parameterJson}}`;
}
