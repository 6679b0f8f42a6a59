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
}

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

  constructor(
    private readonly socket: WebSocket,
    readonly remoteAddress: string,
    limits: ConnectionLimits,
  ) {
    this.bucket = new TokenBucket(limits.rate, limits.burst, Date.now());
  }

  /** The id other clients see in broadcasts and participant lists. */
  get clientId(): string {
    return this.login?.client ?? this.id;
  }

  loopState(loopId: string): LoopState {
    return this.loopStates.get(loopId) ?? 'none';
  }

  send(message: Reply | Push): void {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(JSON.stringify(message));
  }

  close(code = 1000, reason = ''): void {
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING) {
      this.socket.close(code, reason);
    }
  }
}
