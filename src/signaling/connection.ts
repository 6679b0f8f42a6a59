// One client socket and everything the server knows about it. Pure state + send; handlers mutate it.
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { Scope } from '../directory/directory.js';
import type { LoopState } from '../directory/permissions.js';
import type { MediaSession } from '../media/control.js';
import type { Push, Reply } from '../protocol/envelope.js';
import { TokenBucket } from './rate-limit.js';

export interface ConnectionLimits {
  /** Sustained requests per second and burst per socket. */
  rate: number;
  burst: number;
  /** Bytes queued towards a socket that does not read; beyond, the socket is dropped (slow reader). */
  maxBufferedBytes: number;
}

/** Why the server ended a socket by itself; the server logs it once. */
export type ConnectionFault = { kind: 'slow-reader'; buffered: number } | { kind: 'internal'; err: unknown };

export interface LoggedIn {
  user: string;
  scope: Scope;
  session: string;
  client: string;
}

export class Connection {
  readonly id = randomUUID();
  readonly bucket: TokenBucket;
  /** Subscribed to system broadcasts (by `register` or login). */
  registered = false;
  login: LoggedIn | undefined;
  role: string | undefined;
  /** This socket's loop states (only loops not in `none`). */
  readonly loopStates = new Map<string, LoopState>();
  readonly talking = new Set<string>();
  media: MediaSession | undefined;
  closed = false;
  /** Set by the server: told once when this socket is dropped because of a fault. */
  onFault: (fault: ConnectionFault) => void = () => undefined;
  private readonly maxBufferedBytes: number;

  constructor(
    private readonly socket: WebSocket,
    readonly remoteAddress: string,
    limits: ConnectionLimits,
  ) {
    this.bucket = new TokenBucket(limits.rate, limits.burst, Date.now());
    this.maxBufferedBytes = limits.maxBufferedBytes;
  }

  /** The id other clients see in broadcasts and participant lists. */
  get clientId(): string {
    return this.login?.client ?? this.id;
  }

  loopState(loopId: string): LoopState {
    return this.loopStates.get(loopId) ?? 'none';
  }

  /** Never throws: a message that cannot be sent ends this socket only, not the caller's loop over sockets. */
  send(message: Reply | Push): void {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return;
    const buffered = this.socket.bufferedAmount;
    // A close frame would queue behind the same backlog: drop the TCP connection instead.
    if (buffered > this.maxBufferedBytes) return this.drop({ kind: 'slow-reader', buffered });
    let text: string;
    try {
      text = JSON.stringify(message);
    } catch (err) {
      return this.drop({ kind: 'internal', err });
    }
    this.socket.send(text);
  }

  /** End the socket because of a fault (the socket's `close` event does the cleanup). */
  drop(fault: ConnectionFault): void {
    if (this.closed) return;
    this.closed = true;
    this.onFault(fault);
    if (fault.kind === 'slow-reader') this.socket.terminate();
    else this.close(1011, 'internal error');
  }

  close(code = 1000, reason = ''): void {
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING) {
      this.socket.close(code, reason);
    }
  }
}
