// What both control-plane implementations share: the registry (a ServiceTable fed by heartbeats and
// swept on a timer), its events, and the serving side's idempotency.
import { EventEmitter } from 'node:events';
import {
  DEFAULT_EXPIRY_MS,
  DEFAULT_HEARTBEAT_MS,
  type RegistryEvents,
  type ServiceInfo,
  type ServiceKind,
} from './control-plane.js';
import { ServiceTable } from './service-table.js';

export interface RegistryTiming {
  heartbeatMs?: number;
  expiryMs?: number;
}

export class RegistryCore {
  readonly heartbeatMs: number;
  readonly expiryMs: number;
  private readonly table: ServiceTable;
  private readonly events = new EventEmitter();
  private readonly sweeper: NodeJS.Timeout;

  constructor(timing: RegistryTiming = {}) {
    this.heartbeatMs = timing.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.expiryMs = timing.expiryMs ?? DEFAULT_EXPIRY_MS;
    this.table = new ServiceTable(this.expiryMs);
    // Sweep a few times per expiry so a silent service is down within ~1.25 × expiry.
    this.sweeper = setInterval(() => this.sweep(), Math.max(20, Math.floor(this.expiryMs / 4)));
    this.sweeper.unref();
  }

  heard(info: ServiceInfo): void {
    if (this.table.heartbeat(info, Date.now())) this.emit('up', info);
  }

  withdrawn(id: string): void {
    const info = this.table.withdraw(id);
    if (info) this.emit('down', info);
  }

  sweep(): void {
    for (const info of this.table.expire(Date.now())) this.emit('down', info);
  }

  list(kind?: ServiceKind): ServiceInfo[] {
    return this.table.list(kind);
  }

  on<E extends keyof RegistryEvents>(event: E, listener: RegistryEvents[E]): () => void {
    // Both events carry one ServiceInfo.
    this.events.on(event, listener);
    return () => this.events.off(event, listener);
  }

  private emit(event: keyof RegistryEvents, info: ServiceInfo): void {
    for (const listener of this.events.listeners(event)) {
      try {
        (listener as (s: ServiceInfo) => void)(info);
      } catch (err) {
        process.emitWarning(`control registry ${event} listener failed: ${(err as Error).message}`);
      }
    }
  }

  close(): void {
    clearInterval(this.sweeper);
    this.events.removeAllListeners();
  }
}

/** Heartbeats of one announced service: sends its info now and every interval until stopped. */
export class Heartbeat {
  private info: ServiceInfo;
  private readonly timer: NodeJS.Timeout;

  constructor(
    info: ServiceInfo,
    intervalMs: number,
    private readonly send: (info: ServiceInfo) => void,
  ) {
    this.info = { ...info };
    this.send(this.info);
    this.timer = setInterval(() => this.send(this.info), intervalMs);
    this.timer.unref();
  }

  setLoad(load: number): void {
    this.info = { ...this.info, load };
    this.send(this.info);
  }

  beatNow(): void {
    this.send(this.info);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
