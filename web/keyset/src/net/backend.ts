// One backend (one signaling URL): connect, run the caller's establish sequence, reconnect with backoff
// and jitter after any failure, until stopped. Also remembers what this socket has been switched to.
import { ProtocolRequestError, type PushMessage } from '../logic/envelope.js';
import { livenessInterval, livenessTimeout, PingSupport } from '../logic/liveness.js';
import { ReconnectPolicy, Reconnector, type Timers } from '../logic/reconnect.js';
import type { LoopState } from '../logic/types.js';
import type { MediaSession } from './media.js';
import { ProtocolSocket } from './socket.js';

export type BackendStatus = 'connecting' | 'ready' | 'reconnecting' | 'stopped';

export interface BackendHooks {
  /** Login, authorize, media, role_loops, re-apply states. Throwing closes the socket and retries. */
  establish(backend: Backend): Promise<void>;
  onPush(backend: Backend, push: PushMessage): void;
  onChange(backend: Backend): void;
  /** Login refused (wrong credentials or throttled): reconnecting cannot help, the operator must log in again. */
  onAuthFailed(backend: Backend, error: ProtocolRequestError): void;
  /** Another backend is ready to take over (a silent one is then given up sooner: logic/liveness.ts). */
  othersReady(backend: Backend): boolean;
}

const windowTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => window.setTimeout(fn, ms),
  clearTimeout: (h) => window.clearTimeout(h as number),
};

export class Backend {
  status: BackendStatus = 'stopped';
  socket: ProtocolSocket | undefined;
  media: MediaSession | undefined;
  lastError = '';
  /** State of each loop on this socket as last requested (a new socket starts with every loop off). */
  sent: Record<string, LoopState> = {};
  /** Loops this socket reported `talking:true` on. */
  talking = new Set<string>();
  /** Loops the server acknowledged `talking:true` on: only these make the keyset show ON AIR. */
  talkAccepted = new Set<string>();
  private readonly reconnector: Reconnector;
  private readonly pingSupport = new PingSupport();
  private livenessTimer: number | undefined;
  /** Bumped per connection attempt, so a stale attempt that finishes late changes nothing. */
  private generation = 0;

  constructor(
    readonly url: string,
    private readonly client: string,
    private readonly hooks: BackendHooks,
    policy = new ReconnectPolicy(),
  ) {
    this.reconnector = new Reconnector(policy, windowTimers, () => void this.connect());
  }

  get retryAt(): number | undefined {
    return this.reconnector.retryAt;
  }

  get ready(): boolean {
    return this.status === 'ready';
  }

  start(): void {
    if (this.status !== 'stopped') return;
    void this.connect();
  }

  stop(): void {
    this.generation++;
    this.status = 'stopped';
    this.reconnector.cancel();
    this.dropConnection();
    this.hooks.onChange(this);
  }

  /** Forces a reconnect (e.g. media failed while signaling stayed up). */
  restart(): void {
    this.socket?.close();
  }

  private async connect(): Promise<void> {
    const generation = ++this.generation;
    this.status = 'connecting';
    this.hooks.onChange(this);
    let socket: ProtocolSocket;
    try {
      socket = await ProtocolSocket.open(this.url, this.client);
    } catch (error) {
      if (generation === this.generation) this.failed(error);
      return;
    }
    if ((this.status as BackendStatus) === 'stopped' || generation !== this.generation) {
      socket.close();
      return;
    }
    this.socket = socket;
    this.sent = {};
    this.talking.clear();
    this.talkAccepted.clear();
    socket.onPush = (push) => {
      if (push.event === 'media_ready' || push.event === 'candidate' || push.event === 'end_of_candidates') this.media?.handlePush(push);
      else this.hooks.onPush(this, push);
    };
    socket.onClose = () => {
      if (this.socket !== socket) return;
      this.failed(new Error('connection lost'));
    };
    try {
      await this.hooks.establish(this);
      if (generation !== this.generation || this.socket !== socket || !socket.isOpen) return;
      this.status = 'ready';
      this.lastError = '';
      this.reconnector.succeeded();
      this.hooks.onChange(this);
      this.watch(socket);
    } catch (error) {
      if (generation !== this.generation) return;
      if (error instanceof ProtocolRequestError && (error.is('auth') || error.is('loginThrottled')) && error.event === 'login') {
        this.stop();
        this.hooks.onAuthFailed(this, error);
        return;
      }
      this.failed(error);
    }
  }

  /** Pings a ready socket until it closes; no answer in time fails the backend at once (logic/liveness.ts). */
  private watch(socket: ProtocolSocket): void {
    const probe = async (): Promise<void> => {
      if (this.socket !== socket || !this.ready || !this.pingSupport.enabled) return;
      const timeoutMs = livenessTimeout(this.hooks.othersReady(this));
      const step = this.pingSupport.next(await socket.ping(timeoutMs));
      if (this.socket !== socket) return;
      if (step === 'fail') this.failed(new Error(`no answer within ${timeoutMs} ms`));
      else if (step === 'again') this.livenessTimer = window.setTimeout(() => void probe(), livenessInterval(this.hooks.othersReady(this)));
    };
    void probe();
  }

  private failed(error: unknown): void {
    if (this.status === 'stopped') return;
    this.dropConnection();
    this.lastError = error instanceof Error ? error.message : String(error);
    this.status = 'reconnecting';
    this.reconnector.schedule();
    this.hooks.onChange(this);
  }

  private dropConnection(): void {
    window.clearTimeout(this.livenessTimer);
    const socket = this.socket;
    this.socket = undefined;
    socket?.close();
    this.media?.close();
    this.media = undefined;
    this.sent = {};
    this.talking.clear();
    this.talkAccepted.clear();
  }
}
