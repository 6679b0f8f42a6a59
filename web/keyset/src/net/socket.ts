// One signaling WebSocket: requests matched to replies by uuid, pushes to a listener, and every
// pending request rejected when the socket closes (so callers never hang across an outage).
import { makeRequest, parseIncoming, ProtocolRequestError, type PushMessage } from '../logic/envelope.js';
import type { JsonObject } from '../logic/types.js';

interface Pending {
  event: string;
  resolve(response: JsonObject): void;
  reject(error: Error): void;
  timer: number;
}

export class SocketClosedError extends Error {
  constructor(message = 'connection closed') {
    super(message);
    this.name = 'SocketClosedError';
  }
}

export class ProtocolSocket {
  private readonly ws: WebSocket;
  private readonly pending = new Map<string, Pending>();
  private closed = false;
  onPush: (push: PushMessage) => void = () => {};
  onClose: () => void = () => {};

  private constructor(
    url: string,
    private readonly client: string,
  ) {
    this.ws = new WebSocket(url);
    this.ws.onmessage = (e: MessageEvent<unknown>) => {
      if (typeof e.data === 'string') this.receive(e.data);
    };
    this.ws.onclose = () => this.teardown();
  }

  /** Opens a socket; rejects when it does not open within `timeoutMs`. */
  static open(url: string, client: string, timeoutMs = 8000): Promise<ProtocolSocket> {
    const socket = new ProtocolSocket(url, client);
    return new Promise((resolve, reject) => {
      const timer = window.setTimeout(() => {
        socket.close();
        reject(new SocketClosedError('connect timeout'));
      }, timeoutMs);
      socket.ws.onopen = () => {
        window.clearTimeout(timer);
        resolve(socket);
      };
      socket.ws.onerror = () => {
        window.clearTimeout(timer);
        reject(new SocketClosedError('cannot connect'));
      };
    });
  }

  get isOpen(): boolean {
    return !this.closed && this.ws.readyState === WebSocket.OPEN;
  }

  request(event: string, parameter: JsonObject = {}, timeoutMs = 10_000): Promise<JsonObject> {
    if (!this.isOpen) return Promise.reject(new SocketClosedError());
    const uuid = crypto.randomUUID();
    return new Promise((resolve, reject) => {
      // A reply that never comes means a broken connection: close, so reconnect logic takes over.
      const timer = window.setTimeout(() => {
        this.pending.delete(uuid);
        reject(new SocketClosedError(`${event}: no reply`));
        this.close();
      }, timeoutMs);
      this.pending.set(uuid, { event, resolve, reject, timer });
      this.ws.send(JSON.stringify(makeRequest(event, this.client, parameter, uuid)));
    });
  }

  close(): void {
    if (this.ws.readyState === WebSocket.CONNECTING || this.ws.readyState === WebSocket.OPEN) this.ws.close();
    this.teardown();
  }

  private receive(text: string): void {
    const message = parseIncoming(text);
    if (!message) return;
    if (message.kind === 'push') {
      this.onPush(message);
      return;
    }
    const waiter = this.pending.get(message.uuid);
    if (!waiter) return;
    this.pending.delete(message.uuid);
    window.clearTimeout(waiter.timer);
    if (message.error) waiter.reject(new ProtocolRequestError(message.event, message.error.code, message.error.description));
    else waiter.resolve(message.response);
  }

  private teardown(): void {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of this.pending.values()) {
      window.clearTimeout(waiter.timer);
      waiter.reject(new SocketClosedError());
    }
    this.pending.clear();
    this.onClose();
  }
}
