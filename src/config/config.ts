// Configuration: defaults < JSON file < environment (LOOPCAST_*) < command-line flags, validated once
// with messages that name the setting and its source.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import { recorderConfigSchema } from '../recorder/config.js';
import { ldapConfigSchema } from '../auth/ldap/ldap-config.js';
import { sipConfigSchema } from '../gateways/sip/sip-config.js';

export const configSchema = z.strictObject({
  /** Where Loopcast keeps its own files (TLS certificate, and the directory unless `db` is set). */
  dataDir: z.string().min(1).default('./data'),
  /** An openvocs-layout directory (`auth/…`, `state.json`). Default: `<dataDir>/db`. */
  db: z.string().min(1).optional(),
  host: z.string().min(1).default('0.0.0.0'),
  port: z.number().int().min(0).max(65535).default(8443),
  tls: z.strictObject({ key: z.string().min(1), cert: z.string().min(1) }).optional(),
  /** Extra names/addresses for the generated self-signed certificate. */
  hostnames: z.array(z.string().min(1)).default([]),
  /** Allowed WebSocket Origins; default same-origin only; `["*"]` allows any. */
  allowedOrigins: z.array(z.string().min(1)).optional(),
  /** Create the demo directory when the directory is empty. */
  demo: z.boolean().default(true),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  limits: z
    .strictObject({
      maxMessageBytes: z.number().int().min(1024).max(1024 * 1024).default(64 * 1024),
      rate: z.number().positive().default(50),
      burst: z.number().int().positive().default(100),
      maxQueued: z.number().int().positive().default(64),
      /** Shape of a parsed frame (nesting, values, string length): beyond, 1008 naming the limit. */
      maxDepth: z.number().int().min(4).max(256).default(32),
      maxNodes: z.number().int().min(100).default(10_000),
      maxStringLength: z.number().int().min(256).default(32_768),
      /** Bytes queued towards a socket that does not read; beyond, the socket is dropped. */
      maxBufferedBytes: z.number().int().min(64 * 1024).default(4 * 1024 * 1024),
      /** A socket must log in within this time (register and ping do not count). */
      loginTimeoutMs: z.number().int().min(1000).default(30_000),
      /** Sockets that are not logged in, per remote address; more are closed with 1013. */
      maxAnonymousPerAddress: z.number().int().positive().default(32),
      /** Logged-in sockets per user; a further login answers 10011. */
      maxSocketsPerUser: z.number().int().positive().default(16),
      /** Media sessions per user; a further `media` request answers 10012. */
      maxMediaSessionsPerUser: z.number().int().positive().default(8),
      /** Stored login sessions per user; a new login drops the oldest beyond. */
      maxStoredSessionsPerUser: z.number().int().positive().default(32),
    })
    .prefault({}),
  /** /metrics on a separate plain-HTTP address:port (e.g. a control LAN) and/or behind a bearer token. */
  metrics: z
    .strictObject({
      host: z.string().min(1).optional(),
      port: z.number().int().min(0).max(65535).optional(),
      token: z.string().min(16).optional(),
    })
    .prefault({})
    .refine((m) => (m.host === undefined) === (m.port === undefined), { message: 'metrics.host and metrics.port go together' }),
  webRoot: z.string().min(1).optional(),
  /** Recording of loops, replay, retention (docs/recording.md). */
  recorder: recorderConfigSchema,
  media: z
    .strictObject({
      /** Off: `media` answers 10010 (signaling-only server). */
      enabled: z.boolean().default(true),
      /** UDP port shared by all WebRTC sessions; default: the same number as the HTTPS port (0 = any). */
      port: z.number().int().min(0).max(65535).optional(),
      /** Local address for WebRTC; default all interfaces. */
      bindAddress: z.string().min(1).optional(),
      /** Addresses announced in ICE candidates instead of the local ones (public IP, NAT). */
      announcedAddresses: z.array(z.string().min(1)).default([]),
      /** Media sessions this process accepts; beyond, `media` answers 10010. */
      maxSessions: z.number().int().positive().default(500),
      /** Loop bus: in-process (one machine) or IP multicast (several backends share loops). */
      bus: z.enum(['in-process', 'multicast']).default('in-process'),
      multicast: z
        .strictObject({
          /** IPv4 address of the audio LAN interface; always pinned. Required for the multicast bus. */
          interface: z.string().min(1).optional(),
          ttl: z.number().int().min(0).max(255).default(1),
        })
        .prefault({}),
      /**
       * Mixer engines of this process: 1 (default, measured best on a loaded 2-core host: bench/cores.ts)
       * mixes in the main thread only; each more is a worker thread; "cores" = one per core.
       */
      mixerWorkers: z.union([z.number().int().min(1).max(64), z.literal('cores')]).default(1),
      /**
       * What the engines beyond the first run in: worker threads (default) or child processes, whose
       * crash (native fault, OOM, SIGKILL) loses only that engine (docs/media.md "Several mixer engines").
       */
      mixerIsolation: z.enum(['thread', 'process']).default('thread'),
      /** Lowest adaptive playout target per talker, in 20 ms frames (default 1; docs/media.md "Playout policy"). */
      playoutFrames: z.number().int().min(1).max(5).default(1),
      /** Hot-mic guard: forward the uplink only while the client reports talking; auto-release. */
      requireTalking: z.boolean().default(false),
      talkTimeoutMs: z.number().int().min(0).default(0),
    })
    .prefault({})
    .refine((m) => m.bus !== 'multicast' || m.multicast.interface !== undefined, {
      message: 'media.multicast.interface is required for the multicast bus (the interface is always pinned)',
    }),
  /** Login of directory users through LDAP (docs/ldap.md); off when absent. */
  ldap: ldapConfigSchema.optional(),
  /** SIP gateway: phones call loops (docs/telephony.md); off when absent. */
  sip: sipConfigSchema.optional(),
});

export type LoopcastConfig = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const ENV: Record<string, (value: string) => Record<string, unknown>> = {
  LOOPCAST_DATA_DIR: (v) => ({ dataDir: v }),
  LOOPCAST_DB: (v) => ({ db: v }),
  LOOPCAST_HOST: (v) => ({ host: v }),
  LOOPCAST_PORT: (v) => ({ port: Number(v) }),
  LOOPCAST_LOG_LEVEL: (v) => ({ logLevel: v }),
  LOOPCAST_ALLOWED_ORIGINS: (v) => ({ allowedOrigins: v.split(',').map((s) => s.trim()).filter(Boolean) }),
  LOOPCAST_DEMO: (v) => ({ demo: v !== '0' && v !== 'false' }),
  // A secret: better in the environment than in a config file that is copied around.
  LOOPCAST_METRICS_TOKEN: (v) => ({ metrics: { token: v } }),
  LOOPCAST_RECORDER_KEY: (v) => ({ recorder: { encryptionKey: v } }),
};

export function configFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  let out: Record<string, unknown> = {};
  for (const [name, map] of Object.entries(ENV)) {
    const value = env[name];
    if (value !== undefined && value !== '') out = { ...out, ...map(value) };
  }
  if (env.LOOPCAST_TLS_KEY && env.LOOPCAST_TLS_CERT) out.tls = { key: env.LOOPCAST_TLS_KEY, cert: env.LOOPCAST_TLS_CERT };
  return out;
}

export async function configFromFile(path: string): Promise<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`config file ${path}: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError(`config file ${path}: must be a JSON object`);
  return parsed as Record<string, unknown>;
}

/** Merge layers (later wins) and validate; paths become absolute. */
export function resolveConfig(...layers: Array<Record<string, unknown>>): LoopcastConfig {
  const merged = Object.assign({}, ...layers) as Record<string, unknown>;
  // Secrets (the metrics token, the recording key) usually come from the environment, the rest of
  // their section from the file: merge the two.
  for (const section of ['metrics', 'recorder'] as const) {
    const sectionLayers = layers.map((l) => l[section]).filter((m): m is Record<string, unknown> => typeof m === 'object' && m !== null && !Array.isArray(m));
    if (sectionLayers.length > 1) merged[section] = Object.assign({}, ...sectionLayers);
  }
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.map(String).join('.') || '(config)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const config = parsed.data;
  config.dataDir = resolve(config.dataDir);
  config.db = resolve(config.db ?? `${config.dataDir}/db`);
  if (config.webRoot) config.webRoot = resolve(config.webRoot);
  return config;
}
