// One WebSocket to Loopcast's /api (docs/openvocs-protocol.md §2): requests resolve with their reply's `response`
// (matched by uuid), errors reject with ApiError, and pushes go to listeners.
import { ApiError } from '../logic/errors.js';

type Json = Record<string, unknown>;

interface Pending {
  resolve: (response: Json) => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export interface Push {
  event: string;
  type: string;
  parameter: Json;
}

/** Same host as the page: the console is served by the server it administers. */
export function apiUrl(location: Location = window.location): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api`;
}

export class ApiConnection {
  readonly clientId = crypto.randomUUID();
  private readonly pending = new Map<string, Pending>();
  private readonly pushListeners = new Set<(push: Push) => void>();
  private readonly closeListeners = new Set<(code: number) => void>();

  private constructor(private readonly ws: WebSocket) {
    ws.addEventListener('message', (e) => this.receive(e.data));
    ws.addEventListener('close', (e) => {
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error('connection to the server closed'));
      }
      this.pending.clear();
      for (const listener of this.closeListeners) listener(e.code);
    });
  }

  static open(url = apiUrl()): Promise<ApiConnection> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.addEventListener('open', () => resolve(new ApiConnection(ws)), { once: true });
      ws.addEventListener('error', () => reject(new Error(`cannot reach the server at ${url}`)), { once: true });
    });
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  request(event: string, parameter: Json = {}, timeoutMs = 15_000): Promise<Json> {
    const uuid = crypto.randomUUID();
    return new Promise<Json>((resolve, reject) => {
      if (!this.open) {
        reject(new Error('not connected to the server'));
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(uuid);
        reject(new Error(`the server did not answer ${event} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.pending.set(uuid, { resolve, reject, timer });
      this.ws.send(JSON.stringify({ event, uuid, client: this.clientId, type: 'unicast', parameter }));
    });
  }

  onPush(listener: (push: Push) => void): () => void {
    this.pushListeners.add(listener);
    return () => this.pushListeners.delete(listener);
  }

  onClose(listener: (code: number) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  close(): void {
    this.ws.close(1000);
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string') return;
    let message: Json;
    try {
      message = JSON.parse(data) as Json;
    } catch {
      return;
    }
    const uuid = typeof message.uuid === 'string' ? message.uuid : '';
    const waiting = this.pending.get(uuid);
    // Replies echo the request; pushes never do (they may reuse nothing of ours).
    if (waiting && message.request !== undefined) {
      this.pending.delete(uuid);
      clearTimeout(waiting.timer);
      const error = message.error as { code?: unknown; description?: unknown } | undefined;
      if (error) waiting.reject(new ApiError(Number(error.code), typeof error.description === 'string' ? error.description : ''));
      else waiting.resolve((message.response as Json | undefined) ?? {});
      return;
    }
    const push: Push = { event: typeof message.event === 'string' ? message.event : '', type: typeof message.type === 'string' ? message.type : 'unicast', parameter: (message.parameter as Json | undefined) ?? {} };
    for (const listener of this.pushListeners) listener(push);
  }
}
