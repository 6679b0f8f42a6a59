// Composition root: directory, stores, media control and signaling server for one Loopcast process.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import type { LoopcastConfig } from './config/config.js';
import { createDemoDirectory, hasDirectory, type DemoCredentials } from './directory/demo.js';
import { Directory } from './directory/directory.js';
import { SessionStore } from './directory/session-store.js';
import { StateStore } from './directory/state-store.js';
import type { MediaControl } from './media/control.js';
import { UnavailableMediaControl } from './media/unavailable.js';
import { Metrics } from './metrics/registry.js';
import { push } from './protocol/envelope.js';
import { Hub } from './signaling/hub.js';
import { LoginThrottle } from './signaling/login-throttle.js';
import { watchDirectory } from './signaling/reconcile.js';
import { SignalingServer } from './signaling/server.js';
import type { Services } from './signaling/services.js';
import { loadTls, selfSignedTls } from './signaling/tls.js';

export interface RunningLoopcast {
  port: number;
  url: string;
  services: Services;
  demo: DemoCredentials | undefined;
  close(): Promise<void>;
}

/** Never log secrets: passwords, session ids, SDP credentials. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'loopcast' },
    redact: { paths: ['password', 'session', '*.password', '*.session', 'parameter.password', 'parameter.session'], censor: '[redacted]' },
  });
}

const BUILT_KEYSET = fileURLToPath(new URL('../web/keyset/dist', import.meta.url));

export async function startLoopcast(config: LoopcastConfig, options: { log?: Logger; media?: MediaControl; metrics?: Metrics } = {}): Promise<RunningLoopcast> {
  const log = options.log ?? createLogger(config.logLevel);
  const db = config.db ?? join(config.dataDir, 'db');
  let demo: DemoCredentials | undefined;
  if (config.demo && !(await hasDirectory(db))) {
    demo = await createDemoDirectory(db);
    log.info({ db }, 'demo directory created');
  }
  const directory = await Directory.load(db);
  const [state, sessions] = await Promise.all([StateStore.load(db), SessionStore.load(db)]);
  const tls = config.tls ? await loadTls(config.tls) : await selfSignedTls(join(config.dataDir, 'tls'), config.hostnames);
  const services: Services = {
    directory,
    state,
    sessions,
    hub: new Hub(),
    media: options.media ?? new UnavailableMediaControl(),
    throttle: new LoginThrottle(),
    log,
    metrics: options.metrics ?? new Metrics(),
  };
  const unwatch = watchDirectory(services);
  // Voice activity goes to every socket subscribed to the loop (PROTOCOL.md §6).
  services.media.onVoiceActivity(({ loop, on, talkers }) => {
    const loopId = loop.key.slice(loop.key.lastIndexOf('/') + 1);
    services.hub.toLoop(loop.key, push('vad', 'loop_broadcast', { loop: loopId, on, talkers }));
  });
  const webRoot = config.webRoot ?? (existsSync(BUILT_KEYSET) ? BUILT_KEYSET : undefined);
  const server = new SignalingServer(services, {
    host: config.host,
    port: config.port,
    tls,
    limits: config.limits,
    ...(config.allowedOrigins ? { allowedOrigins: config.allowedOrigins } : {}),
    ...(webRoot ? { webRoot } : {}),
  });
  const port = await server.listen();
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  log.info({ port, db }, 'loopcast listening');
  return {
    port,
    url: `https://${shownHost}:${port}`,
    services,
    demo,
    async close() {
      unwatch();
      await server.close();
      await services.media.close();
    },
  };
}
