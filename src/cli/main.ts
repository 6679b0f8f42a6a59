// The `loopcast` command.
import { Command, InvalidArgumentError } from 'commander';
import { startLoopcast } from '../app.js';
import { ConfigError, configFromEnv, configFromFile, resolveConfig } from '../config/config.js';
import { join } from 'node:path';
import { DirectoryLoadError } from '../directory/load-error.js';
import { ImportError, importOpenvocs } from './import-openvocs.js';
import { parseServices, roleOf, serve, SERVE_EXPIRY_MS, SERVE_HEARTBEAT_MS, type ServeSettings } from './serve.js';
import { serveMediaHost } from './serve-media.js';
import { serveMixerHost } from './serve-mixer.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be an integer 0..65535');
  return n;
}

interface StartFlags {
  config?: string;
  db?: string;
  dataDir?: string;
  host?: string;
  port?: number;
  tlsKey?: string;
  tlsCert?: string;
  origin?: string[];
  demo?: boolean;
  logLevel?: string;
}

function milliseconds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 50 || n > 60_000) throw new InvalidArgumentError('must be an integer 50..60000');
  return n;
}

function replicaCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 5) throw new InvalidArgumentError('must be an integer 1..5');
  return n;
}

function flagLayer(flags: StartFlags): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (flags.db !== undefined) out.db = flags.db;
  if (flags.dataDir !== undefined) out.dataDir = flags.dataDir;
  if (flags.host !== undefined) out.host = flags.host;
  if (flags.port !== undefined) out.port = flags.port;
  if (flags.tlsKey !== undefined || flags.tlsCert !== undefined) out.tls = { key: flags.tlsKey, cert: flags.tlsCert };
  if (flags.origin !== undefined) out.allowedOrigins = flags.origin;
  if (flags.demo === false) out.demo = false;
  if (flags.logLevel !== undefined) out.logLevel = flags.logLevel;
  return out;
}

async function start(flags: StartFlags): Promise<void> {
  const configPath = flags.config ?? process.env.LOOPCAST_CONFIG;
  const fileLayer = configPath ? await configFromFile(configPath) : {};
  const config = resolveConfig(fileLayer, configFromEnv(process.env), flagLayer(flags));
  const app = await startLoopcast(config);
  const lines = [`Loopcast is running: ${app.url}  (directory: ${config.db})`];
  if (app.demo) {
    lines.push('Demo directory created. Log in with (user / password — roles):');
    for (const u of app.demo.users) lines.push(`  ${u.user.padEnd(8)} / ${u.password.padEnd(8)} — ${u.roles.join(', ')}`);
    lines.push('The certificate is self-signed: accept it in the browser once.');
  }
  process.stderr.write(`\n${lines.join('\n')}\n\n`);
  const stop = (signal: string): void => {
    process.stderr.write(`loopcast: ${signal}, shutting down\n`);
    void app.close().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

const program = new Command('loopcast')
  .description('Loopcast voice communication system: openvocs-compatible signaling, mixing and loops')
  .showHelpAfterError();

program
  .command('start')
  .description('serve the web clients and the signaling API (everything in one process)')
  .option('-c, --config <file>', 'JSON configuration file (also LOOPCAST_CONFIG)')
  .option('--db <dir>', 'openvocs-layout directory (auth/, state.json); default <data-dir>/db (LOOPCAST_DB)')
  .option('--data-dir <dir>', 'Loopcast data directory, default ./data (LOOPCAST_DATA_DIR)')
  .option('--host <address>', 'listen address, default 0.0.0.0 (LOOPCAST_HOST)')
  .option('-p, --port <n>', 'HTTPS port, default 8443; 0 = any free port (LOOPCAST_PORT)', port)
  .option('--tls-key <file>', 'TLS private key (PEM); default: self-signed in <data-dir>/tls (LOOPCAST_TLS_KEY)')
  .option('--tls-cert <file>', 'TLS certificate (PEM) (LOOPCAST_TLS_CERT)')
  .option('--origin <origin...>', 'allowed WebSocket Origin(s); "*" allows any; default same origin (LOOPCAST_ALLOWED_ORIGINS)')
  .option('--no-demo', 'do not create the demo directory when the directory is empty (LOOPCAST_DEMO=0)')
  .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent, default info (LOOPCAST_LOG_LEVEL)')
  .addHelpText('after', '\nConfiguration precedence: defaults < config file < environment < flags.')
  .action(start);

interface ServeFlags extends StartFlags {
  services: string;
  backend: string;
  nats: string[];
  natsUser: string;
  natsPasswordFile: string;
  natsCa?: string;
  replicas: number;
  heartbeatMs: number;
  expiryMs: number;
  httpHost?: string;
  httpPort?: number;
}

async function serveCommand(flags: ServeFlags): Promise<void> {
  const configPath = flags.config ?? process.env.LOOPCAST_CONFIG;
  const fileLayer = configPath ? await configFromFile(configPath) : {};
  const config = resolveConfig(fileLayer, configFromEnv(process.env), flagLayer(flags));
  if (flags.expiryMs <= flags.heartbeatMs) throw new ConfigError('--expiry-ms must be longer than --heartbeat-ms (a service is down after missing heartbeats)');
  const settings: ServeSettings = {
    services: parseServices(flags.services),
    backend: flags.backend,
    nats: { servers: flags.nats, user: flags.natsUser, passwordFile: flags.natsPasswordFile, ...(flags.natsCa ? { tlsCaFile: flags.natsCa } : {}) },
    replicas: flags.replicas,
    heartbeatMs: flags.heartbeatMs,
    expiryMs: flags.expiryMs,
    http: { ...(flags.httpHost !== undefined ? { host: flags.httpHost } : {}), ...(flags.httpPort !== undefined ? { port: flags.httpPort } : {}) },
  };
  if ((flags.httpHost !== undefined || flags.httpPort !== undefined) && settings.services.includes('signaling')) {
    throw new ConfigError('--http-host/--http-port: a process with signaling serves /health and /metrics on its HTTPS port (metrics.host/metrics.port for a separate metrics address)');
  }
  let close: () => Promise<void>;
  if (roleOf(settings.services) === 'mixer-host') {
    const host = await serveMixerHost(config, settings);
    process.stderr.write(`\nLoopcast mixer host ${host.id} of backend ${flags.backend} is running (control: ${flags.nats.join(', ')})\n\n`);
    close = () => host.close();
  } else if (roleOf(settings.services) === 'media-host') {
    const host = await serveMediaHost(config, settings);
    process.stderr.write(`\nLoopcast media host ${host.id} of backend ${flags.backend} is running (WebRTC on UDP ${host.udpPort}; /health and /metrics on TCP ${host.httpPort}; control: ${flags.nats.join(', ')})\n\n`);
    close = () => host.close();
  } else {
    const backend = await serve(config, settings);
    const what = backend.remoteMedia ? 'signaling (media on the media hosts of this backend)' : 'backend';
    process.stderr.write(`\nLoopcast ${what} ${flags.backend} is running: ${backend.app.url}  (directory: NATS JetStream, ${flags.nats.join(', ')})\n\n`);
    close = () => backend.close();
  }
  const stop = (signal: string): void => {
    process.stderr.write(`loopcast: ${signal}, shutting down\n`);
    void close().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

program
  .command('serve')
  .description('run a backend of a deployed system: directory replicated over NATS JetStream (docs/deployment.md)')
  .requiredOption('--services <list>', 'services of this process, comma-separated: signaling,edge,mixer[,recorder] (a whole backend), signaling[,recorder] (media on media hosts), edge,mixer (a media host), edge (a media host mixing on mixer hosts) or mixer (a mixer host)')
  .requiredOption('--backend <name>', 'name of this backend, e.g. a or b')
  .requiredOption('--nats <url...>', 'NATS servers of the control LAN, e.g. tls://10.1.0.1:4222 (several nodes of one cluster)')
  .requiredOption('--nats-user <user>', 'NATS user')
  .requiredOption('--nats-password-file <file>', 'file holding the NATS password')
  .option('--nats-ca <file>', 'PEM CA of the NATS servers: TLS required')
  .option('--replicas <n>', 'copies of the directory in the NATS cluster, 1..5', replicaCount, 3)
  .option('--heartbeat-ms <n>', 'heartbeat interval of this process on the control plane', milliseconds, SERVE_HEARTBEAT_MS)
  .option('--expiry-ms <n>', 'a service silent this long is down (its sessions move elsewhere)', milliseconds, SERVE_EXPIRY_MS)
  .option('--http-host <address>', 'without signaling: address of the /health and /metrics listener (plain HTTP), default metrics.host or 127.0.0.1')
  .option('--http-port <n>', 'without signaling: port of that listener, default metrics.port or 8444 (mixer host 8445); 0 = any free port', port)
  .option('-c, --config <file>', 'JSON configuration file (also LOOPCAST_CONFIG)')
  .option('--db <dir>', 'directory files that seed an empty NATS bucket; default <data-dir>/db')
  .option('--data-dir <dir>', 'Loopcast data directory, default ./data (LOOPCAST_DATA_DIR)')
  .option('--host <address>', 'listen address, default 0.0.0.0 (LOOPCAST_HOST)')
  .option('-p, --port <n>', 'HTTPS port, default 8443 (LOOPCAST_PORT)', port)
  .option('--tls-key <file>', 'TLS private key (PEM) (LOOPCAST_TLS_KEY)')
  .option('--tls-cert <file>', 'TLS certificate (PEM) (LOOPCAST_TLS_CERT)')
  .option('--origin <origin...>', 'allowed WebSocket Origin(s) (LOOPCAST_ALLOWED_ORIGINS)')
  .option('--no-demo', 'do not create the demo directory when the directory is empty (LOOPCAST_DEMO=0)')
  .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent, default info (LOOPCAST_LOG_LEVEL)')
  .action(serveCommand);

program
  .command('import-openvocs')
  .description('validate an openvocs directory (auth/…, state.json) and copy it into Loopcast\'s directory')
  .argument('<dir>', 'openvocs directory, e.g. /opt/vocsdb')
  .option('--db <dir>', 'target directory; default <data-dir>/db (LOOPCAST_DB)')
  .option('--data-dir <dir>', 'Loopcast data directory, default ./data (LOOPCAST_DATA_DIR)')
  .option('--force', 'replace an existing directory in the target')
  .action(async (source: string, flags: { db?: string; dataDir?: string; force?: boolean }) => {
    const config = resolveConfig(configFromEnv(process.env), flagLayer(flags));
    const result = await importOpenvocs(source, config.db ?? join(config.dataDir, 'db'), { force: flags.force === true });
    process.stdout.write(
      `imported ${result.domains} domain(s), ${result.projects} project(s), ${result.users} user(s), ${result.roles} role(s), ${result.loops} loop(s) into ${config.db}\n`,
    );
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof ConfigError || err instanceof DirectoryLoadError || err instanceof ImportError) {
    process.stderr.write(`loopcast: ${err.message}\n`);
    process.exit(2);
  }
  const code = (err as NodeJS.ErrnoException).code;
  if (err instanceof Error && err.message.startsWith('UDP port ')) {
    process.stderr.write(`loopcast: cannot start: ${err.message}\n`);
    process.exit(1);
  }
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL' || code === 'ENOENT') {
    process.stderr.write(`loopcast: cannot start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  throw err;
}
