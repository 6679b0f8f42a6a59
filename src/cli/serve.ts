// `loopcast serve`: one process of a deployed system. The directory, the per-user loop states and the
// login sessions live in replicated JetStream buckets of the control plane (NATS), every process
// announces itself there with its capacity, and loops are on the configured multicast bus so the
// mixers of every host hear the same audio. What this process runs (`--services`, docs/deployment.md):
// - signaling,edge,mixer[,recorder]: a whole backend in one process;
// - signaling[,recorder]: signaling without a media plane, placing each client session on a media host
//   of its backend over the control plane (src/media/remote);
// - edge,mixer: a media host (serve-media.ts); edge alone: a media host that mixes on mixer hosts;
// - mixer: a mixer host, engines for the edges of its backend (serve-mixer.ts).
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NatsConnection } from 'nats';
import { startLoopcast, type RunningLoopcast } from '../app.js';
import { ConfigError, type LoopcastConfig } from '../config/config.js';
import { SERVICE_KINDS, type ServiceKind } from '../control/control-plane.js';
import { connectNats } from '../control/nats/connection.js';
import { NatsControlPlane } from '../control/nats/nats-control-plane.js';
import { ReplicatedDirectoryStore } from '../control/nats/replicated-directory.js';
import { ReplicatedState } from '../control/nats/replicated-state.js';
import { ReplicatedSessions } from '../control/nats/replicated-sessions.js';
import { ReplicatedAudit } from '../control/nats/replicated-audit.js';
import { ReplicatedTalkers } from '../control/nats/replicated-talkers.js';
import { LimitedLog } from '../log/log-limiter.js';
import { probeNats } from '../health/probes.js';
import { createLogger } from '../log/logger.js';
import { Metrics } from '../metrics/registry.js';
import { LoopAddresses } from '../media/remote/loop-addresses.js';
import { RemoteMediaControl } from '../media/remote/remote-media-control.js';
import { recorderBus, type RecorderBus } from './recorder-bus.js';

export interface ServeSettings {
  services: ServiceKind[];
  backend: string;
  nats: { servers: string[]; user: string; passwordFile: string; tlsCaFile?: string };
  /** Copies of the directory in the cluster (3: survives one NATS node). */
  replicas: number;
  /** Heartbeat interval of this process and expiry of the ones it watches (default 250 / 1000 ms). */
  heartbeatMs?: number;
  expiryMs?: number;
  /** The health/metrics listener of a process without signaling (`--http-host`/`--http-port`; service-endpoints.ts). */
  http?: { host?: string; port?: number };
}

/** A killed media host is down after ~1.25 × the expiry: its clients are on another host within 3 s. */
export const SERVE_HEARTBEAT_MS = 250;
export const SERVE_EXPIRY_MS = 1000;

export type ServeRole = 'backend' | 'signaling' | 'media-host' | 'mixer-host';

export function parseServices(list: string): ServiceKind[] {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(SERVICE_KINDS as readonly string[]).includes(n));
  if (unknown.length > 0) throw new ConfigError(`--services: unknown service(s) ${unknown.join(', ')} (known: ${SERVICE_KINDS.join(', ')})`);
  const services = [...new Set(names)] as ServiceKind[];
  if (services.length === 0) throw new ConfigError('--services: name at least one service');
  if (services.includes('signaling') && services.includes('edge') !== services.includes('mixer')) {
    throw new ConfigError(
      '--services: a backend in one process mixes what its own edge receives: name both edge and mixer with signaling (signaling,edge,mixer), or run them as separate processes (--services edge, --services mixer)',
    );
  }
  if (services.includes('recorder') && !services.includes('signaling')) {
    throw new ConfigError('--services: the recorder runs beside signaling (its history, rights and download links are served by signaling); name signaling too');
  }
  return services;
}

export function roleOf(services: readonly ServiceKind[]): ServeRole {
  if (!services.includes('signaling')) return services.includes('edge') ? 'media-host' : 'mixer-host';
  return services.includes('edge') ? 'backend' : 'signaling';
}

export async function connectControl(settings: ServeSettings, role: string): Promise<NatsConnection> {
  const password = (await readFile(settings.nats.passwordFile, 'utf8')).trim();
  return connectNats({
    servers: settings.nats.servers,
    user: settings.nats.user,
    password,
    ...(settings.nats.tlsCaFile ? { tlsCaFile: settings.nats.tlsCaFile } : {}),
    name: `loopcast-${settings.backend}-${role}-${hostname()}`,
  });
}

export function controlTiming(settings: ServeSettings): { heartbeatMs: number; expiryMs: number } {
  return { heartbeatMs: settings.heartbeatMs ?? SERVE_HEARTBEAT_MS, expiryMs: settings.expiryMs ?? SERVE_EXPIRY_MS };
}

/** What a signaling process without media may run: telephony needs the media plane in its process. */
function signalingConfig(config: LoopcastConfig, services: readonly ServiceKind[]): LoopcastConfig {
  if (config.sip) throw new ConfigError('--services signaling: the SIP gateway (sip) needs the media plane in its process; run it with signaling,edge,mixer or remove sip');
  const recorder = services.includes('recorder') && config.recorder.enabled;
  if (recorder && config.media.bus !== 'multicast') {
    throw new ConfigError('--services signaling,recorder: the recorder hears the loops of the media hosts only on the multicast bus; set media.bus "multicast" and media.multicast.interface');
  }
  return { ...config, recorder: { ...config.recorder, enabled: recorder } };
}

export interface RunningBackend {
  app: RunningLoopcast;
  /** Set when this process drives media hosts (`--services signaling`). */
  remoteMedia?: RemoteMediaControl;
  close(): Promise<void>;
}

/** A backend or a signaling process (roles 'backend' and 'signaling'); a media host: serveMediaHost. */
export async function serve(config: LoopcastConfig, settings: ServeSettings): Promise<RunningBackend> {
  const role = roleOf(settings.services);
  if (role === 'media-host') throw new ConfigError('--services edge[,mixer] is a media host: serveMediaHost');
  if (role === 'mixer-host') throw new ConfigError('--services mixer is a mixer host: serveMixerHost');
  const split = role === 'signaling';
  const effective = split ? signalingConfig(config, settings.services) : { ...config, recorder: { ...config.recorder, enabled: config.recorder.enabled && settings.services.includes('recorder') } };
  const connection = await connectControl(settings, role);
  let bus: RecorderBus | undefined;
  try {
    const db = config.db ?? join(config.dataDir, 'db');
    // The first backend started brings its directory files into an empty bucket; the others load the bucket.
    const directoryStore = await ReplicatedDirectoryStore.open(connection, { replicas: settings.replicas, seedRoot: db });
    // Loop states and volumes too: an operator moving to this backend finds them as they were.
    const state = await ReplicatedState.open(connection, { replicas: settings.replicas, seedRoot: db });
    // Login sessions too: a client resumes its login (session id) on the other backend.
    const sessions = await ReplicatedSessions.open(connection, { replicas: settings.replicas });
    // Not ready while the NATS connection is down: directory changes and state could not be replicated.
    const controlHealth = { probe: () => probeNats(connection) };
    const control = new NatsControlPlane(connection, controlTiming(settings));
    const id = `${settings.backend}-signaling-${randomBytes(4).toString('hex')}`;
    const log = createLogger(effective.logLevel);
    const metrics = new Metrics();
    const auditReplica = await ReplicatedAudit.open(connection, { replicas: settings.replicas, log, registry: metrics.registry });
    // Who talks with which SSRC, shared so that every recorder names the talkers (docs/recording.md).
    const limited = new LimitedLog(log);
    const talkers = await ReplicatedTalkers.open(connection, {
      owner: id, backend: settings.backend, replicas: settings.replicas, registry: metrics.registry, control,
      onRejected: (reason) => limited.warn({ reason }, 'talker table: value refused'),
      onWriteFailed: (err) => limited.warn({ err }, 'talker table: not written (recorders elsewhere name these talkers unknown)'),
    });
    let remoteMedia: RemoteMediaControl | undefined;
    if (split && effective.recorder.enabled) bus = await recorderBus(effective);
    const app = await startLoopcast(effective, {
      log,
      metrics,
      directoryStore,
      state,
      sessions,
      auditReplica,
      controlHealth,
      talkers,
      ...(bus ? { recorderBus: bus.bus } : {}),
      ...(split
        ? {
            mediaFor: (directory, loops) => {
              const addresses = new LoopAddresses(loops);
              directory.on('changed', () => addresses.invalidate());
              bus?.use(addresses);
              remoteMedia = new RemoteMediaControl({ control, backend: settings.backend, id, addressOf: (loop) => addresses.resolve(loop), log, registry: metrics.registry });
              return remoteMedia;
            },
          }
        : {}),
    });
    const announcement = control.announce({
      id,
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
      ...(remoteMedia ? { remoteMedia } : {}),
      async close() {
        clearInterval(loadTimer);
        await announcement.withdraw();
        await app.close();
        await talkers.close();
        await control.close();
        bus?.bus.close();
        state.close();
        sessions.close();
        auditReplica.close();
        await connection.drain();
      },
    };
  } catch (err) {
    bus?.bus.close();
    await connection.close();
    throw err;
  }
}
