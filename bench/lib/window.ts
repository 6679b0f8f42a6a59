// One measurement window: server and load-generator CPU/RSS, downlink loss and tone latency
// between start() and end().
import { toMono } from './clock.js';
import type { FleetSnapshot, ShardedFleet } from './sharded-fleet.js';
import { throttledPercent, throttledTimePercent, type CpuStat } from './cpu-quota.js';
import { ProcSampler, type ProcSample } from './proc-sampler.js';
import { lossPercent } from '../../src/media/rtp/receive-stats.js';
import { round, summarize, type Summary } from './stats.js';

export interface WindowResult {
  seconds: number;
  operators: number;
  /**
   * With a CPU quota: throttledPercent, the share of CFS periods in which the server used up its budget;
   * stoppedPercent, the share of the window's time in which the quota held it stopped.
   * Self-started Loopcast: lateTicksPercent, the share of its 20 ms mixing ticks that ran > 10 ms late.
   */
  server: { cpuPercent: number; rssMb: number; throttledPercent?: number; stoppedPercent?: number; lateTicksPercent?: number };
  /** eventLoopDelayP99Ms: the worst shard's; shardEventLoopDelayP99Ms: each shard's (shard 0 holds the talkers). */
  client: { cpuPercent: number; rssMb: number; eventLoopDelayP99Ms: number; shardEventLoopDelayP99Ms?: number[] };
  lossPercent: number;
  /** Mean RFC 3550 jitter of the listeners that received audio, read at the end of the window. */
  jitterMs: number;
  /** Arrival gaps > 60 ms inside continuous downlink audio, all listeners. */
  stalls: number;
  latencyMs: Summary;
}

export class MeasureWindow {
  private readonly at = performance.now();
  private readonly server: ProcSample;
  private readonly client: ProcSample;
  private readonly quotaStat: CpuStat | undefined;

  private constructor(
    private readonly fleet: ShardedFleet,
    private readonly serverSampler: ProcSampler,
    private readonly clientSampler: ProcSampler,
    /** The fleet's counters at the start (it also restarts every shard's event-loop delay histogram). */
    private readonly start: FleetSnapshot,
    /** The server's CPU quota counters (cpu.stat of its cgroup), when it runs on a budget. */
    private readonly serverCpuStat?: () => CpuStat,
  ) {
    this.server = serverSampler.sample();
    this.quotaStat = serverCpuStat?.();
    this.client = clientSampler.sample();
  }

  static async open(fleet: ShardedFleet, serverSampler: ProcSampler, clientSampler: ProcSampler, serverCpuStat?: () => CpuStat): Promise<MeasureWindow> {
    const start = await fleet.snapshot(Infinity);
    return new MeasureWindow(fleet, serverSampler, clientSampler, start, serverCpuStat);
  }

  /**
   * Latency samples are those whose onset lies inside the window. The shards' event-loop delay counts
   * too: when it is high, arrival times (latency, jitter, stalls) include the load generator's lateness.
   */
  async end(): Promise<WindowResult> {
    const server = this.serverSampler.sample();
    const client = this.clientSampler.sample();
    const wallMs = performance.now() - this.at;
    const quota = this.serverCpuStat && this.quotaStat ? quotaShares(this.quotaStat, this.serverCpuStat(), wallMs) : {};
    const now = await this.fleet.snapshot(toMono(this.at));
    const before = this.start.rtp;
    return {
      seconds: round(wallMs / 1000),
      operators: now.operators,
      server: { ...ProcSampler.window(this.server, server, this.serverSampler.peakRss(this.at)), ...quota },
      client: {
        ...ProcSampler.window(this.client, client, this.clientSampler.peakRss(this.at)),
        eventLoopDelayP99Ms: now.loopDelayP99Ms,
        ...(now.shardLoopDelayP99Ms.length > 1 ? { shardEventLoopDelayP99Ms: now.shardLoopDelayP99Ms } : {}),
      },
      lossPercent: round(lossPercent(before, now.rtp), 3),
      jitterMs: now.jitterMs,
      stalls: now.rtp.reduce((sum, c, i) => sum + c.stalls - (before[i]?.stalls ?? 0), 0),
      latencyMs: summarize(now.latencies.map((s) => s.ms)),
    };
  }
}

function quotaShares(from: CpuStat, to: CpuStat, wallMs: number): { throttledPercent: number; stoppedPercent: number } {
  return { throttledPercent: round(throttledPercent(from, to), 1), stoppedPercent: round(throttledTimePercent(from, to, wallMs), 2) };
}
