// The embedded control plane: every service in one process, commands are function calls. Same
// semantics as NATS (JSON payloads, timeouts, retries, idempotency, heartbeats) so that code tested
// embedded behaves the same deployed.
import { randomUUID } from 'node:crypto';
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
} from './control-plane.js';
import { IdempotencyCache } from './idempotency.js';
import { errorMessage, Heartbeat, RegistryCore, type RegistryTiming } from './plane-base.js';
import { NoAnswer, withRetries } from './retry.js';

/** JSON round trip: a handler never shares objects with its caller (as over the wire). */
const overTheWire = <T>(value: T): T => (value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T));

interface Served {
  handler: CommandHandler;
  cache: IdempotencyCache;
}

export class InProcessControlPlane implements ControlPlane {
  private readonly registry: RegistryCore;
  private readonly handlers = new Map<string, Served>();
  private readonly heartbeats = new Set<Heartbeat>();
  private readonly topics = new Map<string, Set<(data: Uint8Array) => void>>();

  constructor(timing: RegistryTiming = {}) {
    this.registry = new RegistryCore(timing);
  }

  announce(info: ServiceInfo): Announcement {
    assertToken('service id', info.id);
    const heartbeat = new Heartbeat(info, this.registry.heartbeatMs, (current) => this.registry.heard(overTheWire(current)));
    this.heartbeats.add(heartbeat);
    return {
      setLoad: (load) => heartbeat.setLoad(load),
      withdraw: () => {
        heartbeat.stop();
        this.heartbeats.delete(heartbeat);
        this.registry.withdrawn(info.id);
        return Promise.resolve();
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
    const key = `${target}.${command}`;
    if (this.handlers.has(key)) throw new Error(`${key} is already served`);
    const served = { handler, cache: new IdempotencyCache() };
    this.handlers.set(key, served);
    return () => {
      if (this.handlers.get(key) === served) this.handlers.delete(key);
    };
  }

  request(target: string, command: string, payload: unknown, options: RequestOptions = {}): Promise<unknown> {
    const idempotencyKey = options.idempotencyKey ?? randomUUID();
    const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    return withRetries(target, command, options.retries ?? DEFAULT_RETRIES, async () => {
      const served = this.handlers.get(`${target}.${command}`);
      if (!served) throw new NoAnswer('nobody serves it');
      const outcome = served.cache.run(idempotencyKey, () => served.handler(overTheWire(payload), { idempotencyKey }));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new NoAnswer('timeout')), timeoutMs);
      });
      try {
        return overTheWire(await Promise.race([outcome, timeout]));
      } catch (err) {
        if (err instanceof NoAnswer) throw err;
        throw new RemoteCommandError(target, command, errorMessage(err));
      } finally {
        clearTimeout(timer);
      }
    });
  }

  publish(topic: string, data: Uint8Array): void {
    assertTopic(topic);
    const handlers = this.topics.get(topic);
    if (!handlers) return;
    // A copy, delivered later (as over the wire): the sender may reuse its buffer, order is kept.
    const copy = new Uint8Array(data);
    queueMicrotask(() => {
      for (const handler of handlers) handler(copy);
    });
  }

  subscribe(topic: string, handler: (data: Uint8Array) => void): () => void {
    assertTopic(topic);
    let handlers = this.topics.get(topic);
    if (!handlers) this.topics.set(topic, (handlers = new Set()));
    const wrapped = (data: Uint8Array): void => handler(data);
    handlers.add(wrapped);
    return () => {
      handlers.delete(wrapped);
      if (handlers.size === 0 && this.topics.get(topic) === handlers) this.topics.delete(topic);
    };
  }

  close(): Promise<void> {
    for (const heartbeat of this.heartbeats) heartbeat.stop();
    this.heartbeats.clear();
    this.handlers.clear();
    this.topics.clear();
    this.registry.close();
    return Promise.resolve();
  }
}
