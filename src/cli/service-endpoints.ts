// Health and metrics of a `loopcast serve` process without signaling (a media host, a mixer host): its
// registry (process, control plane, and what the caller registers, e.g. the media plane), its readiness
// (NATS answers, announced, the caller's checks) and the HTTP listener serving both. Two steps, because
// the media plane registers its metrics while it starts: `new ServiceEndpoints` first, `listen` once
// the process is up.
import type { NatsConnection } from 'nats';
import type { Registry } from 'prom-client';
import type { LoopcastConfig } from '../config/config.js';
import type { ControlPlane } from '../control/control-plane.js';
import { HealthChecks, type MediaHealthSource } from '../health/health-checks.js';
import { probeNats, type CheckResult } from '../health/probes.js';
import { announcedCheck, capacityCheck } from '../health/service-checks.js';
import { listenServiceHttp, SERVICE_HTTP_DEFAULT_HOST, SERVICE_HTTP_DEFAULT_PORT, type ServiceHttp } from '../health/service-http.js';
import { ControlLinkState, registerControlPlaneMetrics, serviceRegistry, type ServiceIdentity } from '../metrics/service-metrics.js';

/**
 * Where the listener binds: `--http-host`/`--http-port`, else config metrics.host/metrics.port, else
 * 127.0.0.1 and the role's port (8444 media host, 8445 mixer host).
 */
export function serviceHttpAddress(
  config: LoopcastConfig,
  flags: { host?: string; port?: number } = {},
  defaultPort: number = SERVICE_HTTP_DEFAULT_PORT.mediaHost,
): { host: string; port: number } {
  return {
    host: flags.host ?? config.metrics.host ?? SERVICE_HTTP_DEFAULT_HOST,
    port: flags.port ?? config.metrics.port ?? defaultPort,
  };
}

export interface ServiceReadiness {
  /** Sessions it carries now, and at most (a full host is not ready: it takes no new session). */
  sessions: () => number;
  capacity: number;
  /** What `sessions` counts, in the check's detail (default `session(s)`; a mixer host: `listener(s)`). */
  unit?: string;
  /** A media plane in this process: its UDP port held, its clock ticking while audio flows. */
  media?: MediaHealthSource;
  udpBindAddress?: string;
}

export class ServiceEndpoints {
  readonly registry: Registry;
  private readonly link: ControlLinkState;

  constructor(
    private readonly identity: ServiceIdentity & { capacity: number },
    private readonly connection: NatsConnection,
    private readonly control: ControlPlane,
  ) {
    this.registry = serviceRegistry(identity);
    this.link = new ControlLinkState(connection);
    registerControlPlaneMetrics(this.registry, this.link, () => this.announced().ok);
  }

  private announced(): CheckResult {
    return announcedCheck(
      this.control.services().map((s) => s.id),
      this.identity.id,
    );
  }

  /** Starts the listener; readiness fails while NATS does not answer, the process is not announced or it is full. */
  listen(address: { host: string; port: number }, readiness: ServiceReadiness, metricsToken?: string): Promise<ServiceHttp> {
    const health = new HealthChecks({
      control: { probe: () => probeNats(this.connection) },
      ...(readiness.media ? { media: readiness.media } : {}),
      ...(readiness.udpBindAddress !== undefined ? { udpBindAddress: readiness.udpBindAddress } : {}),
      more: {
        announced: () => this.announced(),
        capacity: () => capacityCheck(readiness.sessions(), readiness.capacity, readiness.unit),
      },
    });
    return listenServiceHttp({
      ...address,
      health,
      registry: this.registry,
      connections: readiness.sessions,
      ...(metricsToken !== undefined ? { metricsToken } : {}),
    });
  }
}
