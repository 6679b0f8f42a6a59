// The one client of the protocol, for the browser and Node (docs/openvocs-protocol.md §2): requests typed by the
// contract and matched to replies by uuid, timeouts, typed pushes, and a reconnect hook. The WebSocket is
// injected (browser WebSocket or `ws`). Imports only types from the contract, so zod stays out of bundles
// that do not opt into checking replies.
import type { JsonObject } from '../common.js';
import type { PushName, PushParams, PushType, ReplyEnvelope, RequestName, RequestParams, ResponseOf } from '../contract.js';
import { replyKind, kindOfValue } from '../reply-kinds.js';
import { ConnectionClosedError, RequestError, RequestTimeoutError, UnexpectedReplyError } from './errors.js';
import { OPEN, whenOpen, type WebSocketLike } from './socket.js';

export interface ClientOptions {
  /** This client instance's id (docs/openvocs-protocol.md §2); default a random uuid. */
  client?: string;
  /** Per request, unless the call says otherwise. Default 10 s. */
  timeoutMs?: number;
  /** A reply that never comes means a broken connection: close the socket so reconnect logic takes over. */
  closeOnTimeout?: boolean;
  /** Checks every message from the server (e.g. `messageIssues` of ../validate.ts); problems go to `onContractViolation`. */
  check?: (message: unknown) => string[];
  onContractViolation?: (problems: string[], message: unknown) => void;
  /** Observes each reply's latency (the load tool records them). */
  onReply?: (event: string, ms: number) => void;
}

export interface RequestOptions {
  timeoutMs?: number;
}

/** A push as listeners get it. */
export interface Push {
  event: string;
  type: PushType;
  parameter: JsonObject;
}

interface Pending {
  event: string;
  /** A `request` (typed by the contract): the response must be of the event's kind. */
  typed: boolean;
  sent: number;
  resolve(reply: ReplyEnvelope): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

type Listener<T> = (value: T) => void;

/** The parameter may be left out for events whose parameter may be `{}` (e.g. `role_loops`). */
export type RequestArgs<E extends RequestName> = Record<never, never> extends RequestParams<E>
  ? [parameter?: RequestParams<E>, options?: RequestOptions]
  : [parameter: RequestParams<E>, options?: RequestOptions];

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A success reply's response as the contract types it: an absent one is the empty value of its kind (`{}`, `[]`),
 * a response of another kind (an object where openvocs sends a bare array, …) is an error, never a wrong value.
 */
function typedResponse(event: string, response: unknown): unknown {
  const kind = replyKind(event);
  if (response === undefined || response === null) return kind === 'array' ? [] : kind === 'object' ? {} : new UnexpectedReplyError(event, kind, 'nothing');
  const got = kindOfValue(response);
  return got === kind ? response : new UnexpectedReplyError(event, kind, got ?? typeof response);
}

export class ProtocolClient {
  readonly client: string;
  private socket: WebSocketLike;
  private readonly pending = new Map<string, Pending>();
  private readonly pushListeners = new Set<Listener<Push>>();
  private readonly messageListeners = new Set<(message: JsonObject, awaited: boolean) => void>();
  private readonly closeListeners = new Set<Listener<number>>();
  private readonly reconnectHooks = new Set<(client: ProtocolClient) => Promise<void> | void>();
  private closedByUs = false;

  constructor(
    socket: WebSocketLike,
    private readonly options: ClientOptions = {},
  ) {
    this.client = options.client ?? globalThis.crypto.randomUUID();
    this.socket = socket;
    this.attach(socket);
  }

  /** Wraps `socket` once it is open. */
  static async open(socket: WebSocketLike, options: ClientOptions & { connectTimeoutMs?: number } = {}): Promise<ProtocolClient> {
    await whenOpen(socket, options.connectTimeoutMs ?? 10_000);
    return new ProtocolClient(socket, options);
  }

  get isOpen(): boolean {
    return !this.closedByUs && this.socket.readyState === OPEN;
  }

  /** A request typed by the contract: resolves with the reply's `response`, rejects with RequestError on an error reply. */
  async request<E extends RequestName>(event: E, ...[parameter, options]: RequestArgs<E>): Promise<ResponseOf<E>> {
    const reply = await this.send(event, parameter ?? {}, options ?? {}, true);
    if (reply.error) throw new RequestError(event, reply.error);
    return reply.response as ResponseOf<E>;
  }

  /**
   * Any event, any parameter; resolves with the whole reply, error replies included. For generic tools (the
   * console's import replays prepared requests) and for tests that send what the contract forbids.
   */
  exchange(event: string, parameter: JsonObject = {}, options: RequestOptions = {}): Promise<ReplyEnvelope> {
    return this.send(event, parameter, options, false);
  }

  private send(event: string, parameter: JsonObject, options: RequestOptions, typed: boolean): Promise<ReplyEnvelope> {
    if (!this.isOpen) return Promise.reject(new ConnectionClosedError());
    const uuid = globalThis.crypto.randomUUID();
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(uuid);
        reject(new RequestTimeoutError(event, timeoutMs));
        if (this.options.closeOnTimeout) this.socket.close();
      }, timeoutMs);
      this.pending.set(uuid, { event, typed, sent: performance.now(), resolve, reject, timer });
      this.socket.send(JSON.stringify({ event, uuid, client: this.client, type: 'unicast', parameter }));
    });
  }

  /** Every push; returns the unsubscribe function. */
  onPush(listener: Listener<Push>): () => void {
    this.pushListeners.add(listener);
    return () => this.pushListeners.delete(listener);
  }

  /** Pushes of one event, with their parameter typed by the contract. */
  on<P extends PushName>(event: P, listener: (parameter: PushParams<P>, push: Push) => void): () => void {
    return this.onPush((push) => {
      if (push.event === event) listener(push.parameter as PushParams<P>, push);
    });
  }

  /** The first push of `event` (matching `accept`) from now on. */
  waitForPush<P extends PushName>(event: P, timeoutMs: number, accept: (parameter: PushParams<P>) => boolean = () => true): Promise<PushParams<P>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no ${event} push within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.on(event, (parameter) => {
        if (!accept(parameter)) return;
        clearTimeout(timer);
        off();
        resolve(parameter);
      });
    });
  }

  /** Every parsed message, replies and pushes (tests keep a history); `awaited`: the reply to a pending request of ours. */
  onMessage(listener: (message: JsonObject, awaited: boolean) => void): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  /** The socket closed (WebSocket close code); pending requests have been rejected by then. */
  onClose(listener: Listener<number>): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Runs after `reconnect` swapped in a new open socket: log in again, re-apply state. */
  onReconnect(hook: (client: ProtocolClient) => Promise<void> | void): () => void {
    this.reconnectHooks.add(hook);
    return () => this.reconnectHooks.delete(hook);
  }

  /** Continue on a new socket (same client id, same listeners); the old one is closed, its requests rejected. */
  async reconnect(socket: WebSocketLike, connectTimeoutMs = 10_000): Promise<void> {
    const old = this.socket;
    this.socket = socket;
    this.closedByUs = false;
    this.failPending(new ConnectionClosedError('reconnecting'));
    if (old.readyState <= OPEN) old.close(1000);
    await whenOpen(socket, connectTimeoutMs);
    this.attach(socket);
    for (const hook of this.reconnectHooks) await hook(this);
  }

  /** Sends a frame as is (tests of malformed input). */
  sendRaw(frame: string): void {
    this.socket.send(frame);
  }

  close(code = 1000): void {
    this.closedByUs = true;
    if (this.socket.readyState <= OPEN) this.socket.close(code);
    this.failPending(new ConnectionClosedError());
  }

  private attach(socket: WebSocketLike): void {
    socket.addEventListener('message', (e) => {
      if (this.socket === socket && typeof e.data === 'string') this.receive(e.data);
    });
    socket.addEventListener('close', (e) => {
      if (this.socket !== socket) return;
      this.failPending(new ConnectionClosedError());
      for (const listener of this.closeListeners) listener(e.code);
    });
  }

  private failPending(error: Error): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(error);
    }
    this.pending.clear();
  }

  private receive(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return; // not a protocol message; nothing to correlate it with
    }
    if (!isObject(message) || typeof message.event !== 'string') return;
    const problems = this.options.check?.(message) ?? [];
    if (problems.length > 0) this.options.onContractViolation?.(problems, message);
    // Replies echo the request; pushes never do.
    const isReply = isObject(message.request);
    const waiting = isReply && typeof message.uuid === 'string' ? this.pending.get(message.uuid) : undefined;
    for (const listener of this.messageListeners) listener(message, waiting !== undefined);
    if (isReply) {
      const uuid = message.uuid as string;
      if (!waiting) return; // late reply of a timed-out request, or an answer to a frame not sent by this client
      this.pending.delete(uuid);
      clearTimeout(waiting.timer);
      this.options.onReply?.(waiting.event, performance.now() - waiting.sent);
      const response = waiting.typed && !message.error ? typedResponse(waiting.event, message.response) : (message.response ?? {});
      if (response instanceof Error) waiting.reject(response);
      else waiting.resolve({ ...message, response } as ReplyEnvelope);
      return;
    }
    const type = typeof message.type === 'string' ? (message.type as PushType) : 'unicast';
    const push: Push = { event: message.event, type, parameter: isObject(message.parameter) ? message.parameter : {} };
    for (const listener of this.pushListeners) listener(push);
  }
}


