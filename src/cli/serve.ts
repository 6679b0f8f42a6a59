// `loopcast serve`: a backend of a deployed system. The directory and the per-user loop states live in
// replicated JetStream buckets of the control plane (NATS), the backend announces itself there with its capacity, and loops
// are on the configured multicast bus so the mixers of every backend hear the same audio.
// Today a backend runs its services in one process: `--services` must name all of them (the split
// of edge and mixer into their own processes is not built yet, see docs/deployment.md).
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startLoopcast, type RunningLoopcast } from '../app.js';
import { ConfigError, type LoopcastConfig } from '../config/config.js';
import { SERVICE_KINDS, type ServiceKind } from '../control/control-plane.js';
import { connectNats } from '../control/nats/connection.js';
import { NatsControlPlane } from '../control/nats/nats-control-plane.js';
import { ReplicatedDirectoryStore } from '../control/nats/replicated-directory.js';
import { ReplicatedState } from '../control/nats/replicated-state.js';
import { ReplicatedAudit } from '../control/nats/replicated-audit.js';
import { probeNats } from '../health/probes.js';

export interface ServeSettings {
  services: ServiceKind[];
  backend: string;
  nats: { servers: string[]; user: string; passwordFile: string; tlsCaFile?: string };
  /** Copies of the directory in the cluster (3: survives one NATS node). */
  replicas: number;
}

export function parseServices(list: string): ServiceKind[] {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(SERVICE_KINDS as readonly string[]).includes(n));
  if (unknown.length > 0) throw new ConfigError(`--services: unknown service(s) ${unknown.join(', ')} (known: ${SERVICE_KINDS.join(', ')})`);
  const services = [...new Set(names)] as ServiceKind[];
  if (SERVICE_KINDS.some((k) => !services.includes(k))) {
    throw new ConfigError(`--services: this version runs a backend's services together: name all of ${SERVICE_KINDS.join(',')} (separate edge/mixer processes are not available yet)`);
  }
  return services;
}

export interface RunningBackend {
  app: RunningLoopcast;
  close(): Promise<void>;
}

export async function serve(config: LoopcastConfig, settings: ServeSettings): Promise<RunningBackend> {
  const password = (await readFile(settings.nats.passwordFile, 'utf8')).trim();
  const connection = await connectNats({
    servers: settings.nats.servers,
    user: settings.nats.user,
    password,
    ...(settings.nats.tlsCaFile ? { tlsCaFile: settings.nats.tlsCaFile } : {}),
    name: `loopcast-${settings.backend}-${hostname()}`,
  });
  try {
    const db = config.db ?? join(config.dataDir, 'db');
    // The first backend started brings its directory files into an empty bucket; the others load the bucket.
    const directoryStore = await ReplicatedDirectoryStore.open(connection, { replicas: settings.replicas, seedRoot: db });
    // Loop states and volumes too: an operator moving to this backend finds them as they were.
    const state = await ReplicatedState.open(connection, { replicas: settings.replicas, seedRoot: db });
    const auditReplica = await ReplicatedAudit.open(connection, { replicas: settings.replicas });
    // Not ready while the NATS connection is down: directory changes and state could not be replicated.
    const controlHealth = { probe: () => probeNats(connection) };
    const app = await startLoopcast(config, { directoryStore, state, auditReplica, controlHealth });
    const control = new NatsControlPlane(connection);
    const announcement = control.announce({
      id: `${settings.backend}-signaling-${randomBytes(4).toString('hex')}`,
      kind: 'signaling',
      backend: settings.backend,
      // Each socket may hold one media session: media sessions bound what this backend takes.
      capacity: config.media.maxSessions,
      load: 0,
      meta: { url: app.url },
    });
    const loadTimer = setInterval(() => announcement.setLoad(app.services.hub.connections.size), 1000);
    loadTimer.unref();
    return {
      app,
      async close() {
        clearInterval(loadTimer);
        await announcement.withdraw();
        await control.close();
        await app.close();
        state.close();
        auditReplica.close();
        await connection.drain();
      },
    };
  } catch (err) {
    await connection.close();
    throw err;
  }
}
