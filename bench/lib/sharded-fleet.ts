// The whole load generator as the runner sees it: one shard in this process, or several shard
// processes (`generatorShards`). With several, shard 0 holds the operators that hold talker slots (in
// every rotation round the run will reach) and the others share the rest round robin: talkers send from
// a lightly loaded event loop, and the listeners' arrival stamps are spread over several loops. Slot
// events (burst announcements, onsets, handovers) go from the shard that made them to all others.
import type { RtpCounts } from '../../src/media/rtp/receive-stats.js';
import type { BenchAccounts } from './directory.js';
import type { Hearing } from './result.js';
import { slotOperator, type Scenario } from './scenario.js';
import { ChildShard, LocalShard, type Shard, type ShardInit } from './shard.js';
import type { SlotEvent } from './slot-events.js';
import { round, SeriesRecorder } from './stats.js';

export interface FleetSnapshot {
  operators: number;
  rtp: RtpCounts[];
  /** Mean RFC 3550 jitter of the operators that received audio. */
  jitterMs: number;
  latencies: Array<{ onset: number; ms: number; listener: number }>;
  /** The worst shard's event-loop delay p99 since the previous snapshot, and every shard's. */
  loopDelayP99Ms: number;
  shardLoopDelayP99Ms: number[];
  mutedPackets: number;
}

export interface FleetReport {
  /** By operator index. */
  hearing: Hearing[];
  missedBursts: number;
  decoded: { received: number; undecoded: number };
  setupMs: number[];
  replyMs: SeriesRecorder;
  errors: string[];
}

export interface ShardedFleetOptions {
  scenario: Scenario;
  url: string;
  accounts: BenchAccounts;
  /** Operators the talker slots are spread over (the initial fleet for ramps). */
  placement: number;
  bindAddress?: string;
  /** Processes to split the operators over; 1 = all in this process. */
  shards: number;
}

/** Operator indexes that hold a talker slot in some rotation round of the run (shard 0's operators). */
export function talkerOperators(s: Scenario, placement: number): Set<number> {
  const slots = Math.min(s.talkers, placement);
  const spacing = Math.max(1, Math.floor(placement / Math.max(1, s.talkers)));
  const rounds = s.rotateSeconds > 0 ? spacing : 1;
  const out = new Set<number>();
  for (let t = 0; t < slots; t++) for (let r = 0; r < rounds; r++) out.add(slotOperator(s, placement, t, r));
  return out;
}

/** The shard operator `index` runs in. */
export function shardOf(index: number, shards: number, talkers: ReadonlySet<number>): number {
  if (shards <= 1 || talkers.has(index)) return 0;
  return 1 + (index % (shards - 1));
}

export class ShardedFleet {
  private connected = 0;
  private assigned = 0;
  private readonly talkers: Set<number>;
  private readonly lastErrors: string[] = [];

  private constructor(
    private readonly options: ShardedFleetOptions,
    private readonly shards: Shard[],
  ) {
    this.talkers = talkerOperators(options.scenario, options.placement);
  }

  static async start(options: ShardedFleetOptions): Promise<ShardedFleet> {
    const n = Math.max(1, Math.floor(options.shards));
    const init: ShardInit = {
      scenario: options.scenario,
      url: options.url,
      accounts: options.accounts,
      placement: options.placement,
      ...(options.bindAddress ? { bindAddress: options.bindAddress } : {}),
      ownsSlots: true,
      connectConcurrency: Math.max(1, Math.ceil(options.scenario.connectConcurrency / n)),
    };
    if (n === 1) return new ShardedFleet(options, [new LocalShard(init, () => undefined)]);
    const shards: Shard[] = [];
    const relay = (from: number) => (event: SlotEvent) => shards.forEach((s, k) => k !== from && s.receive(event));
    try {
      for (let k = 0; k < n; k++) shards.push(await ChildShard.start({ ...init, ownsSlots: k === 0 }, relay(k)));
    } catch (err) {
      await Promise.allSettled(shards.map((s) => s.close()));
      throw err;
    }
    return new ShardedFleet(options, shards);
  }

  /** Operators connected. */
  get size(): number {
    return this.connected;
  }

  get shardCount(): number {
    return this.shards.length;
  }

  /** The processes of the load generator (this one and its shards). */
  pids(): number[] {
    return [...new Set([process.pid, ...this.shards.map((s) => s.pid)])];
  }

  /** The last connect errors (of the latest grow). */
  get errors(): readonly string[] {
    return this.lastErrors;
  }

  /** Connects operators until `target` exist (each in its shard); returns how many failed. */
  async grow(target: number): Promise<number> {
    const indexes = Array.from({ length: Math.max(0, target - this.connected) }, (_, k) => this.assigned + k);
    this.assigned += indexes.length;
    const byShard = this.shards.map((_, k) => indexes.filter((i) => shardOf(i, this.shards.length, this.talkers) === k));
    const results = await Promise.all(this.shards.map((s, k) => ((byShard[k] ?? []).length ? s.grow(byShard[k] ?? []) : Promise.resolve({ failed: 0, errors: [] }))));
    const failed = results.reduce((n, r) => n + r.failed, 0);
    this.connected += indexes.length - failed;
    this.lastErrors.splice(0, this.lastErrors.length, ...results.flatMap((r) => r.errors));
    return failed;
  }

  async startTalkers(): Promise<void> {
    await Promise.all(this.shards.map((s) => s.startTalkers()));
  }

  async stopTalkers(): Promise<void> {
    await Promise.all(this.shards.map((s) => s.stopTalkers()));
  }

  async rotate(): Promise<void> {
    await Promise.all(this.shards.map((s) => s.rotate()));
  }

  /** Counters now, latency samples with onsets since `sinceMono` (clock.ts). */
  async snapshot(sinceMono: number): Promise<FleetSnapshot> {
    const parts = await Promise.all(this.shards.map((s) => s.snapshot(sinceMono)));
    const listening = parts.reduce((n, p) => n + p.listening, 0);
    return {
      operators: parts.reduce((n, p) => n + p.operators, 0),
      rtp: parts.flatMap((p) => p.rtp),
      jitterMs: round(parts.reduce((sum, p) => sum + p.jitterSumMs, 0) / (listening || 1), 2),
      latencies: parts.flatMap((p) => p.latencies),
      loopDelayP99Ms: Math.max(...parts.map((p) => p.loopDelayP99Ms)),
      shardLoopDelayP99Ms: parts.map((p) => p.loopDelayP99Ms),
      mutedPackets: parts.reduce((n, p) => n + p.mutedPackets, 0),
    };
  }

  /** Hearing, setup and reply times of every operator (after stopTalkers and a pause, probes are complete). */
  async report(): Promise<FleetReport> {
    const parts = await Promise.all(this.shards.map((s) => s.report()));
    const replyMs = new SeriesRecorder();
    for (const p of parts) replyMs.merge(p.replyMs);
    return {
      hearing: parts
        .flatMap((p) => p.hearing)
        .sort((a, b) => a.index - b.index)
        .map((h) => h.hearing),
      missedBursts: parts.reduce((n, p) => n + p.missedBursts, 0),
      decoded: { received: parts.reduce((n, p) => n + p.decoded.received, 0), undecoded: parts.reduce((n, p) => n + p.decoded.undecoded, 0) },
      setupMs: parts.flatMap((p) => p.setupMs),
      replyMs,
      errors: parts.flatMap((p) => p.errors),
    };
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.shards.map((s) => s.close()));
  }
}
