// Configuration: defaults < JSON file < environment (LOOPCAST_*) < command-line flags, validated once
// with messages that name the setting and its source.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ldapConfigSchema } from '../auth/ldap/ldap-config.js';

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
    })
    .prefault({}),
  webRoot: z.string().min(1).optional(),
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
      /** Playout (jitter) buffer per talker, in 20 ms frames: 2 by default; 1 for the lowest latency on a quiet LAN. */
      playoutFrames: z.number().int().min(1).max(5).default(2),
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
