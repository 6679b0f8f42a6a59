// Metrics of a process without signaling (a media host, a mixer host), served by its own HTTP
// listener (src/health/service-http.ts): the process metrics, who it is, its capacity, and its link to
// the control plane. Every series carries `backend` and `process_role` (default labels) so that the
// hosts of several backends can be summed apart; the instance id (new at every start) is only on
// loopcast_service_info, so a restart does not start new series everywhere.
import { Events, type NatsConnection } from 'nats';
import { Counter, Gauge, Registry } from 'prom-client';
import { registerProcessMetrics } from './registry.js';

export interface ServiceIdentity {
  backend: string;
  /** What this process is: `media-host`, `mixer-host`, … */
  role: string;
  /** Its id on the control plane. */
  id: string;
  services: readonly string[];
  /** Sessions it takes (media.maxSessions), when it takes sessions. */
  capacity?: number;
}

export function serviceRegistry(identity: ServiceIdentity, options: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ backend: identity.backend, process_role: identity.role });
  registerProcessMetrics(registry, options);
  const info = new Gauge({
    name: 'loopcast_service_info',
    help: 'Always 1; the labels say which control-plane id and services this process has',
    labelNames: ['id', 'services'] as const,
    registers: [registry],
  });
  info.set({ id: identity.id, services: identity.services.join(',') }, 1);
  if (identity.capacity !== undefined) {
    new Gauge({ name: 'loopcast_service_capacity_sessions', help: 'Sessions this process takes at most (media.maxSessions)', registers: [registry] }).set(identity.capacity);
  }
  return registry;
}

/** Whether the NATS connection is up, followed from its status events (none while connected). */
export class ControlLinkState {
  private up = true;
  disconnects = 0;

  constructor(private readonly connection: Pick<NatsConnection, 'status' | 'isClosed'>) {
    // Should the iterator ever fail, the link counts as down rather than the rejection going unhandled.
    this.follow().catch(() => {
      this.up = false;
    });
  }

  get connected(): boolean {
    return this.up && !this.connection.isClosed();
  }

  private async follow(): Promise<void> {
    // The iterator ends when the connection is closed (and `connected` reads isClosed()).
    for await (const status of this.connection.status()) {
      if (status.type === Events.Disconnect) {
        this.up = false;
        this.disconnects++;
      } else if (status.type === Events.Reconnect) {
        this.up = true;
      }
    }
  }
}

/** The control-plane link: connected now, disconnects so far, and whether this process is announced. */
export function registerControlPlaneMetrics(registry: Registry, link: ControlLinkState, announced: () => boolean): void {
  const registers = [registry];
  new Gauge({ name: 'loopcast_control_plane_connected', help: '1 while the NATS connection of the control plane is up', registers, collect() { this.set(link.connected ? 1 : 0); } });
  let counted = 0;
  new Counter({
    name: 'loopcast_control_plane_disconnects_total',
    help: 'Times the NATS connection of the control plane was lost (it reconnects by itself)',
    registers,
    collect() {
      if (link.disconnects > counted) this.inc(link.disconnects - counted);
      counted = link.disconnects;
    },
  });
  new Gauge({
    name: 'loopcast_service_announced',
    help: '1 while this process sees its own heartbeat on the control plane (the others see it too)',
    registers,
    collect() { this.set(announced() ? 1 : 0); },
  });
}
