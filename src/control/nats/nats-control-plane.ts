// The control plane on NATS. Subjects (all under one prefix, default `loopcast`):
//   <prefix>.svc.hb        heartbeat: the ServiceInfo, JSON
//   <prefix>.svc.bye       a clean withdrawal: { id }
//   <prefix>.svc.discover  a new member asks every service to send its heartbeat now
//   <prefix>.cmd.<target>.<command>   request { key, payload } → reply { ok, result } | { ok: false, error }
//   <prefix>.stream.<topic>           publish/subscribe: raw bytes, checked by the subscriber
// Everything received is parsed against a schema: a broken or hostile message is dropped.
import { randomUUID } from 'node:crypto';
import { ErrorCode, JSONCodec, NatsError, type NatsConnection, type Subscription } from 'nats';
import { z } from 'zod';
import {
  assertToken,
  assertTopic,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_RETRIES,
  RemoteCommandError,
  type Announcement,
  type CommandHandler,
  type ControlPlane,
  type RegistryEvents,
  type RequestOptions,
  type ServiceInfo,
  type ServiceKind,
} from '../control-plane.js';
import { IdempotencyCache } from '../idempotency.js';
import { errorMessage, Heartbeat, RegistryCore, type RegistryTiming } from '../plane-base.js';
import { NoAnswer, withRetries } from '../retry.js';
import { serviceInfoSchema } from '../service-table.js';

const json = JSONCodec<unknown>();
const byeSchema = z.strictObject({ id: z.string().max(128) });
const requestSchema = z.strictObject({ key: z.string().min(1).max(128), payload: z.unknown() });
const replySchema = z.union([z.strictObject({ ok: z.literal(true), result: z.unknown() }), z.strictObject({ ok: z.literal(false), error: z.string() })]);

function decode(data: Uint8Array): unknown {
  try {
    return json.decode(data);
  } catch {
    return undefined;
  }
}

/** No answer at all (retry) as opposed to an answer that refuses (final). */
function isNoAnswer(err: unknown): boolean {
  if (!(err instanceof NatsError)) return false;
  const noAnswer: string[] = [ErrorCode.Timeout, ErrorCode.NoResponders, ErrorCode.Disconnect];
  return noAnswer.includes(err.code);
}

export interface NatsControlOptions extends RegistryTiming {
  prefix?: string;
}

export class NatsControlPlane implements ControlPlane {
  private readonly registry: RegistryCore;
  private readonly prefix: string;
  private readonly subscriptions: Subscription[] = [];
  private readonly heartbeats = new Map<string, Heartbeat>();

  constructor(
    readonly connection: NatsConnection,
    options: NatsControlOptions = {},
  ) {
    this.prefix = options.prefix ?? 'loopcast';
    this.registry = new RegistryCore(options);
    this.subscriptions.push(
      connection.subscribe(`${this.prefix}.svc.hb`, {
        callback: (err, msg) => {
          if (err) return;
          const parsed = serviceInfoSchema.safeParse(decode(msg.data));
          if (parsed.success) this.registry.heard(parsed.data);
        },
      }),
      connection.subscribe(`${this.prefix}.svc.bye`, {
        callback: (err, msg) => {
          if (err) return;
          const parsed = byeSchema.safeParse(decode(msg.data));
          if (parsed.success) this.registry.withdrawn(parsed.data.id);
        },
      }),
      connection.subscribe(`${this.prefix}.svc.discover`, {
        callback: () => {
          for (const heartbeat of this.heartbeats.values()) heartbeat.beatNow();
        },
      }),
    );
    // Learn the services already running without waiting for their next heartbeat.
    connection.publish(`${this.prefix}.svc.discover`);
  }

  announce(info: ServiceInfo): Announcement {
    assertToken('service id', info.id);
    const heartbeat = new Heartbeat(info, this.registry.heartbeatMs, (current) => {
      if (!this.connection.isClosed()) this.connection.publish(`${this.prefix}.svc.hb`, json.encode(current));
    });
    this.heartbeats.set(info.id, heartbeat);
    return {
      setLoad: (load) => heartbeat.setLoad(load),
      withdraw: async () => {
        heartbeat.stop();
        this.heartbeats.delete(info.id);
        if (!this.connection.isClosed()) {
          this.connection.publish(`${this.prefix}.svc.bye`, json.encode({ id: info.id }));
          await this.connection.flush();
        }
      },
    };
  }

  services(kind?: ServiceKind): ServiceInfo[] {
    return this.registry.list(kind);
  }

  on<E extends keyof RegistryEvents>(event: E, listener: RegistryEvents[E]): () => void {
    return this.registry.on(event, listener);
  }

  serve(target: string, command: string, handler: CommandHandler): () => void {
    assertToken('target', target);
    assertToken('command', command);
    const cache = new IdempotencyCache();
    const subscription = this.connection.subscribe(`${this.prefix}.cmd.${target}.${command}`, {
      callback: (err, msg) => {
        if (err || !msg.reply) return;
        const parsed = requestSchema.safeParse(decode(msg.data));
        if (!parsed.success) {
          msg.respond(json.encode({ ok: false, error: 'malformed command' }));
          return;
        }
        const { key, payload } = parsed.data;
        cache.run(key, () => handler(payload, { idempotencyKey: key })).then(
          (result) => msg.respond(json.encode({ ok: true, result: result ?? null })),
          (error: unknown) => msg.respond(json.encode({ ok: false, error: errorMessage(error) })),
        );
      },
    });
    this.subscriptions.push(subscription);
    return () => subscription.unsubscribe();
  }

  request(target: string, command: string, payload: unknown, options: RequestOptions = {}): Promise<unknown> {
    const key = options.idempotencyKey ?? randomUUID();
    const timeout = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const subject = `${this.prefix}.cmd.${target}.${command}`;
    return withRetries(target, command, options.retries ?? DEFAULT_RETRIES, async () => {
      let answer;
      try {
        answer = await this.connection.request(subject, json.encode({ key, payload }), { timeout });
      } catch (err) {
        if (isNoAnswer(err)) throw new NoAnswer(errorMessage(err));
        throw err;
      }
      const reply = replySchema.safeParse(decode(answer.data));
      if (!reply.success) throw new RemoteCommandError(target, command, 'malformed reply');
      if (!reply.data.ok) throw new RemoteCommandError(target, command, reply.data.error);
      return reply.data.result;
    });
  }

  publish(topic: string, data: Uint8Array): void {
    assertTopic(topic);
    if (this.connection.isClosed()) return;
    try {
      // A copy: the client writes queued data later, and the sender may reuse its buffer.
      this.connection.publish(`${this.prefix}.stream.${topic}`, new Uint8Array(data));
    } catch {
      // Too large for the server's max_payload, or the connection is closing: dropped (at most once).
    }
  }

  subscribe(topic: string, handler: (data: Uint8Array) => void): () => void {
    assertTopic(topic);
    const subscription = this.connection.subscribe(`${this.prefix}.stream.${topic}`, {
      callback: (err, msg) => {
        if (!err) handler(msg.data);
      },
    });
    this.subscriptions.push(subscription);
    return () => {
      subscription.unsubscribe();
      const at = this.subscriptions.indexOf(subscription);
      if (at >= 0) this.subscriptions.splice(at, 1);
    };
  }

  /** Stops this plane's traffic; the connection belongs to the caller (it may carry replication too). */
  close(): Promise<void> {
    for (const heartbeat of this.heartbeats.values()) heartbeat.stop();
    this.heartbeats.clear();
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.registry.close();
    return Promise.resolve();
  }
}
