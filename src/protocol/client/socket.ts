// The WebSocket a client runs on, injected: the browser's WebSocket and the `ws` package both fit.

export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number }) => void): void;
  addEventListener(type: 'open', listener: () => void): void;
  /** Browsers give no reason; `ws` puts one in `message` (e.g. "Unexpected server response: 403"). */
  addEventListener(type: 'error', listener: (event: { type: string; message?: unknown }) => void): void;
}

export const CONNECTING = 0;
export const OPEN = 1;

/** Resolves once the socket is open; rejects when it fails or closes first, or after `timeoutMs`. */
export function whenOpen(socket: WebSocketLike, timeoutMs: number): Promise<void> {
  if (socket.readyState === OPEN) return Promise.resolve();
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => {
      settle(new Error('connect timeout'));
      socket.close();
    }, timeoutMs);
    socket.addEventListener('open', () => settle());
    socket.addEventListener('error', (e) => settle(new Error(typeof e.message === 'string' ? `cannot connect: ${e.message}` : 'cannot connect')));
    socket.addEventListener('close', () => settle(new Error('closed while connecting')));
  });
}
