// The edge's side of mixer hosts (`serve --services edge` with `serve --services mixer` elsewhere):
// one engine on each mixer host of its backend that is up and not full, opened over the control plane
// (remote-channel.ts) and handed to the engine pool once ready — the pool then puts new listeners on
// those engines and moves a lost one's listeners at once (engine-pool.ts). An engine lost while its
// host is still up (it hung, the open failed) is opened again after RETRY_MS; a host that comes (back)
// up gets one at once. With no mixer host, the pool mixes on this host's own engines. Once a second
// the pool is asked to move quiet listeners back onto mixer hosts that have room (rebalance.ts): the
// listeners that fell back to this host when a mixer host was lost do not stay here for good.
import type { Logger } from 'pino';
import type { ControlPlane, ServiceInfo } from '../../control/control-plane.js';
import type { EnginePool } from '../plane/engine-pool.js';
import { remoteChannel, type RemoteEngineSettings } from '../mixer/worker/remote-channel.js';
import { WorkerMixerEngine } from '../mixer/worker/worker-engine.js';
import { REBALANCE_PASS_MS } from '../plane/rebalance.js';

/** A host whose engine failed is asked again after this long (a hung host is not asked 50 times a second). */
export const RETRY_MS = 1000;
/** A rebalancing pass this much later than due is skipped (the process was stalled). */
const STALL_MS = 250;

export interface RemoteMixersOptions {
  control: ControlPlane;
  backend: string;
  /** This edge's service id (the mixer host drops its engines when it is down). */
  edge: string;
  pool: EnginePool;
  settings: RemoteEngineSettings;
  log: Logger;
}

export class RemoteMixers {
  /** Per mixer host id: its engine, opening or in the pool. */
  private readonly engines = new Map<string, WorkerMixerEngine>();
  private readonly failedAt = new Map<string, number>();
  private readonly stopWatching: () => void;
  private readonly timer: NodeJS.Timeout;
  private readonly rebalancing: NodeJS.Timeout;
  private opened = 0;
  private lastPassAt = performance.now();
  private closed = false;
  private malformedCount = 0;
  private lastMalformedLog = 0;

  constructor(private readonly options: RemoteMixersOptions) {
    this.stopWatching = options.control.on('up', (service) => this.consider(service, true));
    this.timer = setInterval(() => this.scan(), RETRY_MS / 4);
    this.timer.unref();
    this.rebalancing = setInterval(() => this.rebalance(), REBALANCE_PASS_MS);
    this.rebalancing.unref();
    this.scan();
  }

  /** Replies from mixer hosts dropped as malformed (undecodable or failing the schema). */
  get malformed(): number {
    return this.malformedCount;
  }

  /** Mixer hosts with an engine of this edge (opening or ready). */
  get hosts(): string[] {
    return [...this.engines.keys()];
  }

  private scan(): void {
    for (const service of this.options.control.services('mixer')) this.consider(service, false);
  }

  private consider(service: ServiceInfo, cameUp: boolean): void {
    const { backend, control, edge, pool, settings, log } = this.options;
    if (this.closed || service.kind !== 'mixer' || service.backend !== backend || this.engines.has(service.id)) return;
    if (service.load >= service.capacity) return;
    const failed = this.failedAt.get(service.id);
    if (!cameUp && failed !== undefined && Date.now() - failed < RETRY_MS) return;
    const engineId = `${edge}-m${++this.opened}`;
    const engine = new WorkerMixerEngine(
      {},
      {
        channel: (events) => remoteChannel({ control, mixer: service.id, engine: engineId, edge, settings }, events),
        onlyHeardLoops: true,
        onMalformed: (error) => this.countMalformed(service.id, engineId, error),
      },
    );
    this.engines.set(service.id, engine);
    engine.on('exit', (err) => {
      if (this.engines.get(service.id) === engine) this.engines.delete(service.id);
      if (err) this.failedAt.set(service.id, Date.now());
      if (!this.closed) log.warn({ mixer: service.id, engine: engineId, err: err?.message }, 'remote mixer engine gone');
    });
    engine.ready.then(
      () => {
        if (this.closed) return void engine.terminate();
        this.failedAt.delete(service.id);
        pool.addRemote(engine, () => this.room(service.id));
        log.info({ mixer: service.id, engine: engineId }, 'remote mixer engine ready');
      },
      () => undefined, // the 'exit' above logged it
    );
  }

  /**
   * A pass, after the I/O that is pending (setImmediate runs after the poll phase): after an event-loop
   * stall the timers run before the packets that queued up meanwhile, and a listener hearing a talker
   * would look quiet. A pass that comes late (a stall) is skipped all the same; the next one decides.
   */
  private rebalance(): void {
    const now = performance.now();
    const late = now - this.lastPassAt > REBALANCE_PASS_MS + STALL_MS;
    this.lastPassAt = now;
    if (late) return;
    setImmediate(() => {
      if (!this.closed) this.options.pool.rebalance();
    });
  }

  /** Listeners the mixer host may still take, by its last announcement (0 once it is down). */
  private room(mixer: string): number {
    const service = this.options.control.services('mixer').find((s) => s.id === mixer);
    return service ? service.capacity - service.load : 0;
  }

  /** Counted; logged at most once a second (anyone on the control plane can publish on the subject). */
  private countMalformed(mixer: string, engine: string, error: string): void {
    this.malformedCount++;
    const now = Date.now();
    if (now - this.lastMalformedLog < 1000) return;
    this.lastMalformedLog = now;
    this.options.log.warn({ mixer, engine, error: error.slice(0, 300), malformed: this.malformedCount }, 'remote mixer engine: malformed reply dropped');
  }

  /** Stops opening engines; the ones in the pool are closed with it, the others here. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopWatching();
    clearInterval(this.timer);
    clearInterval(this.rebalancing);
    await Promise.all([...this.engines.values()].map((e) => e.terminate()));
    this.engines.clear();
  }
}
