// The mixer engines of one media plane. Engine 0 runs in this thread and decodes every talker (levels
// for VAD and talker indication, talker statistics, the clock's idle test); engines 1..n-1 run in
// worker threads or child processes (media.mixerWorkers, media.mixerIsolation) and mix only for
// their listeners. A listener is placed on the
// engine with the fewest listeners; listeners with identical mixes share an encode within an engine.
// A worker (thread or process) that dies (or falls a second behind) is dropped: its listeners are replayed, with their
// SSRC and volumes, into the remaining engines at once, and a replacement worker is started.
// Engines on mixer hosts (addRemote; src/media/remote/remote-mixers.ts opens them) take every new
// listener while any is in the pool; one that is lost is dropped the same way (its opener reopens it).
// rebalance() (a pass a second, driven by remote-mixers.ts) moves quiet listeners back onto them from
// this host's engines and evens them out (rebalance.ts): a move is the same replay (SSRC, volumes);
// the downlink (SSRC, sequence numbers, timestamps) is the plane's per listener, whatever engine mixes.
import type { Logger } from 'pino';
import { MixerEngine, type ListenerConfig, type MixerCounters, type MixerOptions, type MixTick, type TalkerPushResult } from '../mixer/index.js';
import { WorkerMixerEngine, type WorkerTick } from '../mixer/worker/worker-engine.js';
import type { WorkerMixerOptions } from '../mixer/worker/messages.js';
import type { Isolation } from '../mixer/worker/channel.js';
import type { PlayoutPacket } from '../playout/index.js';
import { planMoves, QUIET_MS, type EngineSlot, type PlacedListener } from './rebalance.js';

/** A worker this many 20 ms frames behind (1 s) counts as hung: it is stopped and its listeners moved. */
export const HUNG_TICKS = 50;
const RESPAWN_DELAY_MS = 1000;
/** A worker not loaded by then (a process that hangs while starting) is stopped and started again. */
export const START_DEADLINE_MS = 30_000;

export interface EnginePoolOptions {
  /** Engines in all, this thread's included (1 = no worker threads). */
  engines: number;
  /** What engines 1..n-1 run in: worker threads (default) or child processes. */
  isolation?: Isolation;
  mixer: MixerOptions;
  log: Logger;
  /** Frames mixed by a worker, tagged with the media timestamp of their tick. */
  onWorkerMix: (tick: WorkerTick) => void;
}

type Engine = MixerEngine | WorkerMixerEngine;

export class EnginePool {
  readonly local: MixerEngine;
  private workers: WorkerMixerEngine[] = [];
  /** Workers still loading: they get neither listeners nor ticks (a loading process would look hung). */
  private readonly starting = new Set<WorkerMixerEngine>();
  private readonly placement = new Map<string, Engine>();
  private readonly retired: MixerCounters;
  private readonly workerOptions: WorkerMixerOptions;
  private closed = false;
  private lostCount = 0;
  /** HUNG_TICKS in engine ticks: `phases` of them per frame. */
  private readonly hungTicks: number;
  /** Every listener's configuration (a move replays it; engine 0 keeps none to read back). */
  private readonly configs = new Map<string, { ssrc: number | undefined; volumes: Map<string, number> }>();
  /**
   * performance.now() of a listener's last frame (mix or tail) and of a loop's last talker packet: what
   * rebalancing calls quiet. Kept only once an engine on a mixer host joined (`trackingSince`): without
   * one nothing is ever moved, so the packet and frame paths of a one-host plane do no work for it.
   */
  private trackingSince: number | undefined;
  private readonly heardAt = new Map<string, number>();
  private readonly loopActiveAt = new Map<string, number>();
  private readonly movedAt = new Map<string, number>();
  /** Per engine on a mixer host: listeners its host may still take. */
  private readonly roomOf = new Map<WorkerMixerEngine, () => number>();
  private movedCount = 0;

  constructor(private readonly options: EnginePoolOptions) {
    // VAD and talker indication need levels for every talker, also unheard ones: decode once each here.
    this.local = new MixerEngine({ alwaysDecode: true, ...options.mixer });
    this.hungTicks = HUNG_TICKS * Math.max(1, Math.round(options.mixer.phases ?? 1));
    const { codecs: _codecs, ...workerOptions } = options.mixer;
    this.workerOptions = workerOptions;
    this.retired = { ...this.local.counters };
    for (const key of Object.keys(this.retired) as Array<keyof MixerCounters>) this.retired[key] = 0;
    for (let i = 1; i < Math.max(1, options.engines); i++) this.spawn();
  }

  /** Resolves when every worker has loaded its engine. */
  async ready(): Promise<void> {
    await Promise.all([...this.workers, ...this.starting].map((w) => w.ready));
  }

  /** Workers still loading (for diagnostics and fault tests). */
  get startingEngines(): readonly WorkerMixerEngine[] {
    return [...this.starting];
  }

  /** Worker engines currently serving (for diagnostics and fault tests). */
  get workerEngines(): readonly WorkerMixerEngine[] {
    return this.workers;
  }

  /** Workers lost so far (exited, crashed, killed or hung), for the metrics. */
  get lost(): number {
    return this.lostCount;
  }

  /** Listeners moved by rebalance() so far. */
  get moved(): number {
    return this.movedCount;
  }

  /**
   * Adds a ready engine on a mixer host: new listeners go to such engines while there is one.
   * `room`: listeners its host may still take (rebalance() moves no more than that onto it).
   */
  addRemote(engine: WorkerMixerEngine, room: () => number = () => Infinity): void {
    if (this.closed || engine.isolation !== 'remote' || !engine.alive) return;
    engine.on('mixed', (tick) => this.mixed(tick));
    engine.on('exit', (err) => this.drop(engine, err ?? new Error('remote mixer engine closed')));
    this.roomOf.set(engine, room);
    this.trackingSince ??= performance.now();
    this.workers.push(engine);
  }

  /**
   * One rebalancing pass (rebalance.ts): quiet listeners onto engines on mixer hosts, replayed with
   * SSRC and volumes. Returns how many moved.
   */
  rebalance(now = performance.now()): number {
    if (this.closed) return 0;
    const engines: Engine[] = [this.local, ...this.workers];
    const slots: EngineSlot[] = engines.map((e) => ({ remote: e instanceof WorkerMixerEngine && e.isolation === 'remote', listeners: this.countOn(e), room: e instanceof WorkerMixerEngine ? (this.roomOf.get(e)?.() ?? 0) : 0 }));
    const placed: PlacedListener[] = [];
    for (const [id, engine] of this.placement) placed.push({ id, engine: engines.indexOf(engine), quiet: this.quiet(id, now), movedAt: this.movedAt.get(id) });
    const moves = planMoves(placed, slots, now);
    for (const { id, to } of moves) {
      const cfg = this.configs.get(id);
      const target = engines[to];
      if (!cfg || !target) continue;
      this.placement.get(id)?.removeListener(id);
      this.placement.set(id, target);
      target.setListener(id, { ...(cfg.ssrc !== undefined ? { ssrc: cfg.ssrc } : {}), volumes: Object.fromEntries(cfg.volumes) });
      this.movedAt.set(id, now);
      this.movedCount++;
    }
    if (moves.length > 0) this.options.log.info({ moved: moves.length, load: this.load }, 'listeners moved onto mixer host engines');
    return moves.length;
  }

  /** Listeners per engine, this thread's first. */
  get load(): number[] {
    return [this.local, ...this.workers].map((e) => this.countOn(e));
  }

  /** Whether `id` is mixed in a worker thread (false: in this thread). */
  inWorker(id: string): boolean {
    const e = this.placement.get(id);
    return e !== undefined && e !== this.local;
  }

  setListener(id: string, cfg: ListenerConfig): void {
    this.removeListener(id);
    const engine = this.leastLoaded();
    this.placement.set(id, engine);
    this.configs.set(id, { ssrc: cfg.ssrc, volumes: new Map(Object.entries(cfg.volumes ?? {})) });
    engine.setListener(id, cfg);
  }

  /** As MixerEngine.setVolume: throws for an unknown listener (the recorder's replay relies on it). */
  setVolume(id: string, loop: string, volume: number | undefined): void {
    const engine = this.placement.get(id);
    if (!engine) throw new Error(`unknown listener ${id}`);
    engine.setVolume(id, loop, volume);
    const volumes = this.configs.get(id)?.volumes;
    if (volume === undefined) volumes?.delete(loop);
    else volumes?.set(loop, volume);
  }

  removeListener(id: string): void {
    this.placement.get(id)?.removeListener(id);
    this.placement.delete(id);
    this.configs.delete(id);
    this.heardAt.delete(id);
    this.movedAt.delete(id);
  }

  /** Into every engine; returns what this thread's engine did with it ('gated': no spurt opened). */
  push(loop: string, pkt: PlayoutPacket, arrivalMs: number): TalkerPushResult {
    const result = this.local.push(loop, pkt, arrivalMs);
    if (this.trackingSince !== undefined && result !== 'gated') this.loopActiveAt.set(loop, performance.now());
    for (const w of this.workers) w.push(loop, pkt, arrivalMs);
    return result;
  }

  /** Ticks every engine: this thread's frames are returned, the workers' come via onWorkerMix. */
  tick(nowMs: number, mediaTs: number): MixTick {
    for (const w of this.workers) {
      if (w.ticksPending >= this.hungTicks) this.drop(w, new Error(`mixer worker ${HUNG_TICKS} frames behind`));
      else w.tick(nowMs, mediaTs);
    }
    const mix = this.local.tick(nowMs);
    this.noteHeard(mix.outputs);
    return mix;
  }

  /** No talker playing, no silence tail due and no worker frames outstanding: the clock may stop. */
  get idle(): boolean {
    return this.local.idle && this.workers.every((w) => w.idle);
  }

  /** Counters of every engine, workers' summed in (from their last tick; dropped ones kept). */
  get counters(): MixerCounters {
    const sum = { ...this.local.counters };
    for (const key of Object.keys(sum) as Array<keyof MixerCounters>) {
      sum[key] += this.retired[key];
      for (const w of this.workers) sum[key] += w.counters?.[key] ?? 0;
    }
    return sum;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.local.close();
    const workers = [...this.workers, ...this.starting];
    this.workers = [];
    this.starting.clear();
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private spawn(): void {
    const isolation = this.options.isolation ?? 'thread';
    const worker = new WorkerMixerEngine(this.workerOptions, {
      isolation,
      onMalformed: (error) => this.options.log.warn({ isolation, pid: worker.pid, error }, 'mixer worker: malformed reply dropped'),
    });
    // Serving only once loaded: before, a new listener would hear nothing and the ticks it could not
    // answer yet would count against it (a process starting on a loaded host takes over a second).
    this.starting.add(worker);
    const deadline = setTimeout(() => void worker.terminate(), START_DEADLINE_MS);
    deadline.unref();
    worker.ready.then(
      () => {
        clearTimeout(deadline);
        this.starting.delete(worker);
        if (this.closed || !worker.alive) return;
        worker.on('mixed', (tick) => this.mixed(tick));
        worker.on('exit', (err) => this.drop(worker, err ?? new Error('mixer worker stopped')));
        this.workers.push(worker);
      },
      (err: unknown) => {
        clearTimeout(deadline);
        if (!this.starting.delete(worker) || this.closed) return;
        this.options.log.error({ err: err instanceof Error ? err.message : String(err), isolation, pid: worker.pid }, 'mixer worker failed to start: starting another');
        this.respawnLater();
      },
    );
  }

  private respawnLater(): void {
    setTimeout(() => {
      if (!this.closed) this.spawn();
    }, RESPAWN_DELAY_MS).unref();
  }

  /** Moves a dead or hung worker's listeners to the other engines and starts a replacement. */
  private drop(worker: WorkerMixerEngine, err: Error): void {
    if (this.closed || !this.workers.includes(worker)) return;
    this.workers = this.workers.filter((w) => w !== worker);
    this.roomOf.delete(worker);
    this.lostCount++;
    for (const key of Object.keys(this.retired) as Array<keyof MixerCounters>) this.retired[key] += worker.counters?.[key] ?? 0;
    void worker.discard();
    const moved = [...worker.listeners];
    for (const [id, l] of moved) {
      if (this.placement.get(id) !== worker) continue;
      const engine = this.leastLoaded();
      this.placement.set(id, engine);
      engine.setListener(id, { ...(l.ssrc !== undefined ? { ssrc: l.ssrc } : {}), volumes: Object.fromEntries(l.volumes) });
    }
    this.options.log.error(
      { err: err.message, isolation: worker.isolation, pid: worker.pid, listeners: moved.length },
      'mixer worker lost: listeners moved to other engines',
    );
    if (worker.isolation !== 'remote') this.respawnLater();
  }

  /** Among the engines on mixer hosts when there are any, else among this host's. */
  private leastLoaded(): Engine {
    const remote = this.workers.filter((w) => w.isolation === 'remote');
    const candidates = remote.length > 0 ? remote : this.workers;
    let best: Engine = remote[0] ?? this.local;
    let bestCount = this.countOn(best);
    for (const w of candidates) {
      const n = this.countOn(w);
      if (n < bestCount) [best, bestCount] = [w, n];
    }
    return best;
  }

  private mixed(tick: WorkerTick): void {
    this.noteHeard(tick.outputs);
    this.options.onWorkerMix(tick);
  }

  private noteHeard(outputs: ReadonlyArray<{ listenerIds: readonly string[] }>): void {
    if (this.trackingSince === undefined || outputs.length === 0) return;
    const now = performance.now();
    for (const o of outputs) for (const id of o.listenerIds) this.heardAt.set(id, now);
  }

  /** Nothing sent to it and no talker on its loops for QUIET_MS: a move cannot be heard. */
  private quiet(id: string, now: number): boolean {
    // Until the times have been kept for QUIET_MS, a missing one says nothing.
    if (this.trackingSince === undefined || now - this.trackingSince < QUIET_MS) return false;
    if (now - (this.heardAt.get(id) ?? -Infinity) < QUIET_MS) return false;
    for (const loop of this.configs.get(id)?.volumes.keys() ?? []) if (now - (this.loopActiveAt.get(loop) ?? -Infinity) < QUIET_MS) return false;
    return true;
  }

  private countOn(engine: Engine): number {
    let n = 0;
    for (const e of this.placement.values()) if (e === engine) n++;
    return n;
  }
}
