// A mixer host (`serve --services mixer`): mixer engines for the edges of its backend, over the control
// plane. It announces itself (kind `mixer`, capacity = listeners it takes, load = listeners it mixes),
// opens an engine (engine-host.ts, as in a worker) when an edge asks (remote-channel.ts), bound to that
// engine's two stream topics, closes it on request, and says whether it has it (an edge's probe). An engine whose edge is gone is
// closed: nothing holds capacity that nobody drives. Gone = missing from the registry (down, or never
// seen) AND no message on the engine's subject for EDGE_GRACE_MS: under load a live edge can miss
// heartbeats for a moment (an event-loop stall, a slow NATS) while it still ticks its engine, and
// closing its engine would push its listeners back onto the edge; a dead edge's engine a few seconds
// longer costs nothing. Every message
// received is decoded (wire.ts) and checked (validate.ts) before the engine sees it: a malformed one is
// dropped and counted.
import type { Logger } from 'pino';
import type { Announcement, ControlPlane } from '../../control/control-plane.js';
import { hostEngine, type EngineHost } from '../mixer/worker/engine-host.js';
import type { WorkerMixerOptions } from '../mixer/worker/messages.js';
import { engineTopics, MIXER_ENGINE_COMMAND, mixerEngineCommandSchema, type MixerEngineCommand, type RemoteEngineSettings } from '../mixer/worker/remote-channel.js';
import { decodeWire, encodeWire } from '../mixer/worker/wire.js';

/** Engines one mixer host serves at most (one per edge that uses it): a bound against a broken edge. */
export const MAX_ENGINES = 64;
/**
 * How long an engine's edge may be missing from the registry, with no message from it either, before
 * the engine is closed: five heartbeat expiries of the default timing (1 s), so a stall of a few
 * seconds is survived; an idle edge (no ticks while nobody talks) relies on the registry alone.
 */
export const EDGE_GRACE_MS = 5000;

export interface MixerServiceOptions {
  control: ControlPlane;
  id: string;
  backend: string;
  log: Logger;
  /** Listeners this host takes in all (announced capacity; an edge opens no engine on a full host). */
  capacity: number;
  /** This host's engine options (its configuration); the edge chooses only phases and playout target. */
  mixer: WorkerMixerOptions;
  /** The registry's expiry: how often engines are checked (a quarter of it, 50–250 ms). */
  expiryMs: number;
  /** Default EDGE_GRACE_MS (never less than expiryMs). */
  edgeGraceMs?: number;
  maxEngines?: number;
}

interface HostedEngine {
  host: EngineHost;
  edge: string;
  stopReceiving: () => void;
  /** Last time its edge was seen in the registry (or the engine opened). */
  edgeSeenAt: number;
  /** Last well-formed message from its edge on the engine's subject (a tick, a listener change). */
  heardAt: number;
}

export class MixerService {
  private readonly engines = new Map<string, HostedEngine>();
  private readonly announcement: Announcement;
  private readonly stopServing: () => void;
  private readonly timer: NodeJS.Timeout;
  private reportedLoad = 0;
  private malformedCount = 0;
  private lastMalformedLog = 0;
  private closed = false;

  constructor(private readonly options: MixerServiceOptions) {
    const { control, id } = options;
    this.stopServing = control.serve(id, MIXER_ENGINE_COMMAND, (payload) => this.command(payload));
    this.announcement = control.announce({ id, kind: 'mixer', backend: options.backend, capacity: options.capacity, load: 0 });
    // Load changes are sent a moment later, together (a burst of listener moves is one heartbeat).
    this.timer = setInterval(() => this.housekeeping(), Math.max(50, Math.min(250, options.expiryMs / 4)));
    this.timer.unref();
  }

  /** Engines open now. */
  get engineCount(): number {
    return this.engines.size;
  }

  /** Listeners mixed here now (the announced load). */
  get listeners(): number {
    let n = 0;
    for (const e of this.engines.values()) n += e.host.listeners;
    return n;
  }

  /** Messages dropped as malformed (undecodable or failing the schema) since the start. */
  get malformed(): number {
    return this.malformedCount;
  }

  /** A refusal is a rejected promise (the caller's RemoteCommandError), never a throw. */
  private command(payload: unknown): Promise<unknown> {
    return new Promise((resolve) => resolve(this.apply(payload)));
  }

  private apply(payload: unknown): unknown {
    if (this.closed) throw new Error('mixer host is stopping');
    const parsed = mixerEngineCommandSchema.safeParse(payload);
    if (!parsed.success) throw new Error(`malformed mixer-engine command: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    const command = parsed.data;
    if (command.op === 'close') {
      this.closeEngine(command.engine, 'closed by its edge');
      return {};
    }
    // An edge whose replies stay out asks whether its engine is still here.
    if (command.op === 'ping') return { known: this.engines.has(command.engine) };
    return this.open(command);
  }

  private open(command: Extract<MixerEngineCommand, { op: 'open' }>): unknown {
    const known = this.engines.get(command.engine);
    if (known) {
      if (known.edge !== command.edge) throw new Error(`engine ${command.engine} belongs to another edge`);
      return {};
    }
    if (this.engines.size >= (this.options.maxEngines ?? MAX_ENGINES)) throw new Error(`mixer host full: ${this.engines.size} engines`);
    const { control, log } = this.options;
    const topics = engineTopics(command.engine);
    const onMalformed = (error: string): void => this.countMalformed(command.engine, error);
    // Subscribed before the engine exists (its 'ready' goes out at once, and the edge then sends);
    // messages are delivered asynchronously, so `host` is set by the time one arrives.
    const stopReceiving = control.subscribe(topics.in, (data) => {
      const decoded = decodeWire(data);
      if (!decoded.ok) return onMalformed(decoded.error);
      hosted.heardAt = Date.now();
      host.onMessage(decoded.msg);
    });
    const host = hostEngine(this.engineOptions(command.settings), (msg) => control.publish(topics.out, encodeWire(msg)), onMalformed);
    const hosted: HostedEngine = { host, edge: command.edge, stopReceiving, edgeSeenAt: Date.now(), heardAt: Date.now() };
    this.engines.set(command.engine, hosted);
    log.info({ engine: command.engine, edge: command.edge, engines: this.engines.size }, 'mixer engine opened');
    return {};
  }

  private engineOptions(settings: RemoteEngineSettings): WorkerMixerOptions {
    const mixer = this.options.mixer;
    const playout = settings.targetFrames === undefined ? mixer.playout : { ...mixer.playout, targetFrames: settings.targetFrames };
    return { ...mixer, phases: settings.phases, ...(playout ? { playout } : {}) };
  }

  private closeEngine(engine: string, why: string): void {
    const hosted = this.engines.get(engine);
    if (!hosted) return;
    this.engines.delete(engine);
    hosted.stopReceiving();
    hosted.host.close();
    // An edge that was only slow or cut off learns it at once and moves the engine's listeners.
    if (why !== 'closed by its edge') this.options.control.publish(engineTopics(engine).out, encodeWire({ type: 'closed' }));
    this.options.log.info({ engine, edge: hosted.edge, why, engines: this.engines.size }, 'mixer engine closed');
  }

  private countMalformed(engine: string, error: string): void {
    this.malformedCount++;
    const now = Date.now();
    if (now - this.lastMalformedLog < 1000) return;
    this.lastMalformedLog = now;
    this.options.log.warn({ engine, error: error.slice(0, 300), malformed: this.malformedCount }, 'mixer engine: malformed message dropped');
  }

  /** Closes engines whose edge is gone (missing and silent for the grace); reports a changed load. */
  private housekeeping(): void {
    if (this.closed) return;
    const now = Date.now();
    const grace = Math.max(this.options.expiryMs, this.options.edgeGraceMs ?? EDGE_GRACE_MS);
    const live = new Set(this.options.control.services().map((s) => s.id));
    for (const [engine, hosted] of [...this.engines]) {
      if (live.has(hosted.edge)) hosted.edgeSeenAt = now;
      else if (now - Math.max(hosted.edgeSeenAt, hosted.heardAt) > grace) this.closeEngine(engine, 'edge gone');
    }
    const load = this.listeners;
    if (load !== this.reportedLoad) {
      this.reportedLoad = load;
      this.announcement.setLoad(load);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.stopServing();
    for (const [engine, hosted] of this.engines) {
      this.engines.delete(engine);
      hosted.stopReceiving();
      hosted.host.close();
    }
    await this.announcement.withdraw();
  }
}
