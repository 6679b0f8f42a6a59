// The control plane between Loopcast services: a registry of live services (announced with their
// capacity and kept alive by heartbeats) and commands by request/reply with timeouts, retries and
// idempotency, and fire-and-forget message streams (a remote mixer engine's ticks and mixes). Two
// implementations: in-process (the embedded default, nothing but Node) and NATS (deployed: services in
// separate processes and hosts). Callers see no difference.

export const SERVICE_KINDS = ['signaling', 'edge', 'mixer', 'recorder'] as const;
export type ServiceKind = (typeof SERVICE_KINDS)[number];

/** What a service tells the others about itself, in every heartbeat. */
export interface ServiceInfo {
  /** Unique per process and start (a restarted service is a new instance). */
  id: string;
  kind: ServiceKind;
  /** The backend the service belongs to (two complete backends side by side: "a", "b"). */
  backend: string;
  /** Sessions it can take in total and sessions it carries now. */
  capacity: number;
  load: number;
  /** Free-form, small: e.g. an edge's public UDP address. */
  meta?: Record<string, string>;
}

export interface Announcement {
  /** Report a new load (sent at once, then with every heartbeat). */
  setLoad(load: number): void;
  /** Leave the registry now (a clean stop); a crash is noticed when the heartbeats stop. */
  withdraw(): Promise<void>;
}

export interface RegistryEvents {
  up: (service: ServiceInfo) => void;
  /** Withdrawn, or no heartbeat for longer than the expiry: its work must move elsewhere. */
  down: (service: ServiceInfo) => void;
}

export interface RequestOptions {
  /** Per attempt. */
  timeoutMs?: number;
  /** Attempts after the first one when there was no answer (timeout, nobody listening). */
  retries?: number;
  /** Same key = same command: a retried command runs once. Default: one key per request call. */
  idempotencyKey?: string;
}

export interface CommandContext {
  idempotencyKey: string;
}

export type CommandHandler = (payload: unknown, context: CommandContext) => Promise<unknown>;

export interface ControlPlane {
  announce(info: ServiceInfo): Announcement;
  /** Services alive now, optionally of one kind. */
  services(kind?: ServiceKind): ServiceInfo[];
  on<E extends keyof RegistryEvents>(event: E, listener: RegistryEvents[E]): () => void;
  /** Answer `command` addressed to `target` (a service id); returns a function that stops serving. */
  serve(target: string, command: string, handler: CommandHandler): () => void;
  /** Throws ControlTimeoutError when no attempt was answered, RemoteCommandError when the handler threw. */
  request(target: string, command: string, payload: unknown, options?: RequestOptions): Promise<unknown>;
  /**
   * Sends `data` to the subscribers of `topic` (tokens joined by '.'): at most once, in order per
   * sender, nobody listening = dropped; `data` is copied (the sender may reuse it). The receiver must
   * check what it gets (any member may send).
   */
  publish(topic: string, data: Uint8Array): void;
  /** Receives what is published on `topic`; returns a function that stops receiving. */
  subscribe(topic: string, handler: (data: Uint8Array) => void): () => void;
  close(): Promise<void>;
}

/** Ids and command names become subject tokens on NATS: keep them to a safe alphabet. */
const TOKEN = /^[A-Za-z0-9_-]{1,128}$/;
export function assertToken(what: string, value: string): void {
  if (!TOKEN.test(value)) throw new TypeError(`${what} must match ${String(TOKEN)}: ${JSON.stringify(value)}`);
}

/** A stream topic: 1..8 tokens joined by '.' (no wildcards). */
export function assertTopic(topic: string): void {
  const tokens = topic.split('.');
  if (tokens.length > 8) throw new TypeError(`topic has more than 8 tokens: ${JSON.stringify(topic)}`);
  for (const token of tokens) assertToken('topic token', token);
}

export class ControlTimeoutError extends Error {
  constructor(
    readonly target: string,
    readonly command: string,
    readonly attempts: number,
  ) {
    super(`no answer from ${target} to ${command} after ${attempts} attempt(s)`);
    this.name = 'ControlTimeoutError';
  }
}

export class RemoteCommandError extends Error {
  constructor(
    readonly target: string,
    readonly command: string,
    message: string,
  ) {
    super(`${target} refused ${command}: ${message}`);
    this.name = 'RemoteCommandError';
  }
}

export const DEFAULT_HEARTBEAT_MS = 1000;
/** Three missed heartbeats: a crashed service is down after at most ~3 s (configurable). */
export const DEFAULT_EXPIRY_MS = 3000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 500;
export const DEFAULT_RETRIES = 2;
