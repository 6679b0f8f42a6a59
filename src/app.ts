// Composition root: directory, stores, media control and signaling server for one Loopcast process.
import { loopIdOf } from './directory/loop-key.js';
import { existsSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { createLogger } from './log/logger.js';
import { LdapLogin } from './auth/ldap/ldap-login.js';
import { startTelephony } from './gateways/sip/start.js';
import type { LoopcastConfig } from './config/config.js';
import { AuditLog, type AuditReplica } from './directory/audit-log.js';
import { createDemoDirectory, hasDirectory, type DemoCredentials } from './directory/demo.js';
import { Directory } from './directory/directory.js';
import type { DirectoryStore } from './directory/directory-store.js';
import type { DurableValue } from './directory/durable-state.js';
import { cleanLeftovers } from './directory/persistence.js';
import { SessionStore, type Sessions } from './directory/session-store.js';
import { StateStore, type StateFile } from './directory/state-store.js';
import type { MediaControl } from './media/control.js';
import { startMediaPlane, type KnownLoop } from './media/plane/start.js';
import type { LoopBus } from './media/loopbus/index.js';
import { UnavailableMediaControl } from './media/unavailable.js';
import { Metrics } from './metrics/registry.js';
import { attachMetrics } from './metrics/attach.js';
import { HealthChecks, type ControlHealthSource } from './health/health-checks.js';
import { MediaPlane } from './media/plane/media-plane.js';
import { RemoteMediaControl } from './media/remote/remote-media-control.js';
import { push } from './protocol/envelope.js';
import { Hub, loopKey } from './signaling/hub.js';
import { LoginThrottle } from './signaling/login-throttle.js';
import { watchDirectory } from './signaling/reconcile.js';
import { PerUserMediaQuota } from './signaling/media-quota.js';
import { installSafetyNet } from './signaling/safety-net.js';
import { SignalingServer } from './signaling/server.js';
import { startRecording } from './recorder/start.js';
import type { TalkerEntries } from './recorder/talker-names.js';
import { isTalkerSource, publishTalkers, type TalkerPublisher } from './media/talkers.js';
import type { WebMount } from './signaling/static-files.js';
import type { Services } from './signaling/services.js';
import { loadTls, selfSignedTls } from './signaling/tls.js';

export interface RunningLoopcast {
  port: number;
  url: string;
  services: Services;
  /** The media control behind the per-user quota (the media plane when media is enabled): for diagnostics and tests. */
  media: MediaControl;
  demo: DemoCredentials | undefined;
  /** Port of the separate /metrics listener (config `metrics.host`/`metrics.port`). */
  metricsPort?: number;
  close(): Promise<void>;
}

export { createLogger } from './log/logger.js';

const BUILT_KEYSET = fileURLToPath(new URL('../web/keyset/dist', import.meta.url));
const BUILT_ADMIN = fileURLToPath(new URL('../web/admin/dist', import.meta.url));

/** The keyset at `/` (or `webRoot`), the admin console at `/admin`, whichever is built. */
function webMounts(config: LoopcastConfig): WebMount[] {
  const mounts: WebMount[] = [];
  const keyset = config.webRoot ?? (existsSync(BUILT_KEYSET) ? BUILT_KEYSET : undefined);
  if (keyset) mounts.push({ prefix: '/', root: keyset });
  if (existsSync(BUILT_ADMIN)) mounts.push({ prefix: '/admin', root: BUILT_ADMIN });
  return mounts;
}

/** Every loop of the directory with its bus id, so all backends agree on allocated addresses. */
function knownLoops(directory: Directory): KnownLoop[] {
  const out: KnownLoop[] = [];
  for (const domain of directory.allDomains()) {
    for (const scope of [domain, ...directory.projectsOf(domain.id)]) {
      for (const loop of Object.values(scope.data.loops)) {
        out.push(loop.multicast ? { id: loopKey(scope, loop.id), address: { host: loop.multicast.host, port: loop.multicast.port } } : { id: loopKey(scope, loop.id) });
      }
    }
  }
  return out;
}

/** A free TCP port (the HTTPS server binds it right after; the UDP edge takes the same number). */
function freeTcpPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

export interface StartOptions {
  log?: Logger;
  media?: MediaControl;
  /** A media control that needs the directory (deployed signaling driving media hosts): every loop with its bus address. */
  mediaFor?: (directory: Directory, loops: () => KnownLoop[]) => MediaControl;
  /** The recorder's loop bus when no media plane runs in this process (deployed signaling with media hosts). */
  recorderBus?: LoopBus;
  metrics?: Metrics;
  /** Where the directory is durable: the files under `db` by default, a replicated store when deployed (src/control). */
  directoryStore?: DirectoryStore;
  /** Loop states, volumes and user data: state.json by default, replicated when deployed. */
  state?: DurableValue<StateFile>;
  /** Login sessions (by digest): sessions.json by default, replicated when deployed so a client resumes on any backend. */
  sessions?: DurableValue<Sessions>;
  /** The audit log shared by every backend (deployed). */
  auditReplica?: AuditReplica;
  /** Readiness of the control plane (deployed: the NATS connection). */
  controlHealth?: ControlHealthSource;
  /** The shared talker table (deployed): this process's talkers go in, its recorder names others' from it. */
  talkers?: TalkerPublisher & TalkerEntries;
}

export async function startLoopcast(config: LoopcastConfig, options: StartOptions = {}): Promise<RunningLoopcast> {
  const log = options.log ?? createLogger(config.logLevel);
  const db = config.db ?? join(config.dataDir, 'db');
  let demo: DemoCredentials | undefined;
  if (config.demo && !(await hasDirectory(db))) {
    demo = await createDemoDirectory(db);
    log.info({ db }, 'demo directory created');
  }
  // Temp files and staging folders of writes a crash interrupted (never acknowledged) go first.
  const leftovers = [...(await cleanLeftovers(db)), ...(await cleanLeftovers(join(config.dataDir, 'tls')))];
  if (leftovers.length > 0) log.info({ removed: leftovers }, 'removed leftovers of interrupted writes');
  const directory = await Directory.load(db, options.directoryStore);
  const [state, sessions, audit] = await Promise.all([options.state ? StateStore.over(options.state) : StateStore.load(db), options.sessions ? SessionStore.over(options.sessions) : SessionStore.load(db), AuditLog.load(db)]);
  if (options.auditReplica) await audit.replicate(options.auditReplica);
  const tls = config.tls ? await loadTls(config.tls) : await selfSignedTls(join(config.dataDir, 'tls'), config.hostnames);
  // The edge shares the HTTPS port number (on UDP) by default, so that port must be known first.
  const port = config.port !== 0 ? config.port : await freeTcpPort(config.host);
  const metrics = options.metrics ?? new Metrics();
  const media =
    options.media ??
    options.mediaFor?.(directory, () => knownLoops(directory)) ??
    (config.media.enabled
      ? // An auto-chosen HTTPS port gets an auto-chosen media port too (no reason to collide).
        await startMediaPlane(config, config.port === 0 ? 0 : port, knownLoops(directory), log, metrics.registry)
      : new UnavailableMediaControl());
  const hub = new Hub();
  const services: Services = {
    directory,
    audit,
    state,
    sessions,
    hub,
    media: new PerUserMediaQuota(media, hub, config.limits.maxMediaSessionsPerUser),
    throttle: new LoginThrottle(),
    limits: { maxSocketsPerUser: config.limits.maxSocketsPerUser, maxStoredSessionsPerUser: config.limits.maxStoredSessionsPerUser },
    log,
    metrics,
  };
  if (config.ldap) services.ldap = new LdapLogin(config.ldap, directory, log);
  const unwatch = watchDirectory(services);
  // Who talks with which SSRC, for the recorders of every process (docs/recording.md "Who talks").
  const stopPublishing = options.talkers && isTalkerSource(media) ? publishTalkers(media, options.talkers) : undefined;
  const recording = startRecording(config, {
    directory, audit, media, log, registry: metrics.registry,
    ...(options.recorderBus ? { bus: options.recorderBus } : {}),
    ...(options.talkers ? { talkers: options.talkers } : {}),
  });
  if (recording) services.recording = recording.service;
  // SIP gateway in-process when configured (docs/telephony.md); a taken SIP port fails the start cleanly.
  const telephony = await startTelephony(config, { directory, media, hub, log, registry: metrics.registry }).catch(async (err: unknown) => {
    recording?.close();
    await media.close();
    throw err;
  });
  if (telephony) services.telephony = telephony;
  services.health = new HealthChecks({
    dbDir: db,
    ...(media instanceof MediaPlane ? { media } : {}),
    ...(media instanceof RemoteMediaControl ? { mediaHosts: media } : {}),
    ...(config.media.bindAddress ? { udpBindAddress: config.media.bindAddress } : {}),
    ...(options.controlHealth ? { control: options.controlHealth } : {}),
  });
  const detachMetrics = attachMetrics(metrics, { log, directory, sockets: () => services.hub.connections, onVoiceActivity: (l) => media.onVoiceActivity(l) });
  // Voice activity goes to every socket subscribed to the loop (docs/openvocs-protocol.md §6).
  services.media.onVoiceActivity(({ loop, on, talkers }) => {
    const loopId = loopIdOf(loop.key);
    services.hub.toLoop(loop.key, push('vad', 'loop_broadcast', { loop: loopId, on, talkers }));
  });
  const server = new SignalingServer(services, {
    host: config.host,
    port,
    tls,
    limits: config.limits,
    metrics: {
      ...(config.metrics.host !== undefined && config.metrics.port !== undefined ? { listen: { host: config.metrics.host, port: config.metrics.port } } : {}),
      ...(config.metrics.token !== undefined ? { token: config.metrics.token } : {}),
    },
    ...(config.allowedOrigins ? { allowedOrigins: config.allowedOrigins } : {}),
    web: webMounts(config),
    routes: recording ? [recording.route] : [],
  });
  try {
    await server.listen();
  } catch (err) {
    await telephony?.close();
    recording?.close();
    await media.close();
    throw err;
  }
  const removeSafetyNet = installSafetyNet(log);
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  log.info({ port, db, ...(server.metricsPort !== undefined ? { metricsPort: server.metricsPort } : {}) }, 'loopcast listening');
  return {
    port,
    url: `https://${shownHost}:${port}`,
    services,
    media,
    demo,
    ...(server.metricsPort !== undefined ? { metricsPort: server.metricsPort } : {}),
    async close() {
      unwatch();
      directory.close();
      detachMetrics();
      await server.close();
      await telephony?.close();
      recording?.close();
      await services.media.close();
      stopPublishing?.();
      removeSafetyNet();
    },
  };
}
