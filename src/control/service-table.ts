// Which services are alive, from heartbeats: pure bookkeeping (the caller owns time and transport).
// A heartbeat adds or refreshes a service; `expire` drops those silent for longer than the expiry.
import { z } from 'zod';
import { SERVICE_KINDS, type ServiceInfo, type ServiceKind } from './control-plane.js';

export const serviceInfoSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/),
  kind: z.enum(SERVICE_KINDS),
  backend: z.string().min(1).max(64),
  capacity: z.number().int().min(0).max(1_000_000),
  load: z.number().int().min(0).max(1_000_000),
  meta: z.record(z.string().max(64), z.string().max(256)).optional(),
});

export interface TableChange {
  up: ServiceInfo[];
  down: ServiceInfo[];
}

interface Entry {
  info: ServiceInfo;
  lastSeen: number;
}

export class ServiceTable {
  private readonly entries = new Map<string, Entry>();
  /** Withdrawn ids: a heartbeat still in flight must not bring them back. */
  private readonly gone = new Set<string>();

  constructor(private readonly expiryMs: number) {}

  /** Returns the info if the service is new (an `up`). Invalid input is refused by the caller's parse. */
  heartbeat(info: ServiceInfo, now: number): boolean {
    if (this.gone.has(info.id)) return false;
    const known = this.entries.get(info.id);
    this.entries.set(info.id, { info, lastSeen: now });
    return known === undefined;
  }

  withdraw(id: string): ServiceInfo | undefined {
    const entry = this.entries.get(id);
    this.entries.delete(id);
    this.gone.add(id);
    return entry?.info;
  }

  /**
   * Drops the services silent since `now - expiryMs`; returns them. Unlike a withdrawn one, an expired
   * service that heartbeats again (it was cut off, not dead) is up again: its work moved away when it
   * went down, and it takes new work from then on.
   */
  expire(now: number): ServiceInfo[] {
    const down: ServiceInfo[] = [];
    for (const [id, entry] of this.entries) {
      if (now - entry.lastSeen > this.expiryMs) {
        this.entries.delete(id);
        down.push(entry.info);
      }
    }
    return down;
  }

  list(kind?: ServiceKind): ServiceInfo[] {
    const out: ServiceInfo[] = [];
    for (const { info } of this.entries.values()) if (kind === undefined || info.kind === kind) out.push(info);
    return out.sort((a, b) => a.id.localeCompare(b.id));
  }
}

/** The service of a kind with the most free capacity (ties: lowest id), or undefined when all are full. */
export function leastLoaded(services: ServiceInfo[], exclude: ReadonlySet<string> = new Set()): ServiceInfo | undefined {
  let best: ServiceInfo | undefined;
  for (const s of services) {
    if (exclude.has(s.id) || s.load >= s.capacity) continue;
    const free = s.capacity - s.load;
    if (!best || free > best.capacity - best.load || (free === best.capacity - best.load && s.id < best.id)) best = s;
  }
  return best;
}
