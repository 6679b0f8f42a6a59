// One measurement window: server and load-generator CPU/RSS, downlink loss and tone latency
// between start() and end().
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Fleet } from './fleet.js';
import { throttledPercent, throttledTimePercent, type CpuStat } from './cpu-quota.js';
import { ProcSampler, type ProcSample } from './proc-sampler.js';
import { lossPercent, type RtpCounts } from '../../src/media/rtp/receive-stats.js';
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
  client: { cpuPercent: number; rssMb: number; eventLoopDelayP99Ms: number };
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
  private readonly rtp: RtpCounts[];
  private readonly quotaStat: CpuStat | undefined;
  // The load generator's own event-loop delay: when it is high, arrival times (latency, jitter,
  // stalls) include the load generator's lateness, not only the server's.
  private readonly loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: 5 });

  constructor(
    private readonly fleet: Fleet,
    private readonly serverSampler: ProcSampler,
    private readonly clientSampler: ProcSampler,
    /** The server's CPU quota counters (cpu.stat of its cgroup), when it runs on a budget. */
    private readonly serverCpuStat?: () => CpuStat,
  ) {
    this.server = serverSampler.sample();
    this.quotaStat = serverCpuStat?.();
    this.client = clientSampler.sample();
    this.rtp = fleet.rtpCounts();
    this.loopDelay.enable();
  }

  /** Latency samples are those whose onset lies inside the window. */
  end(): WindowResult {
    const server = this.serverSampler.sample();
    const client = this.clientSampler.sample();
    this.loopDelay.disable();
    const rtp = this.fleet.rtpCounts();
    const listening = this.fleet.members.filter((m) => m.rtp.received > 0);
    return {
      seconds: round((performance.now() - this.at) / 1000),
      operators: this.fleet.members.length,
      server: {
        ...ProcSampler.window(this.server, server, this.serverSampler.peakRss(this.at)),
        ...(this.serverCpuStat && this.quotaStat ? quotaShares(this.quotaStat, this.serverCpuStat(), performance.now() - this.at) : {}),
      },
      client: {
        ...ProcSampler.window(this.client, client, this.clientSampler.peakRss(this.at)),
        eventLoopDelayP99Ms: round(this.loopDelay.percentile(99) / 1e6),
      },
      lossPercent: round(lossPercent(this.rtp, rtp), 3),
      jitterMs: round(listening.reduce((sum, m) => sum + m.rtp.jitterMs, 0) / (listening.length || 1), 2),
      stalls: rtp.reduce((sum, c, i) => sum + c.stalls - (this.rtp[i]?.stalls ?? 0), 0),
      latencyMs: summarize(this.fleet.latencies(this.at)),
    };
  }
}

function quotaShares(from: CpuStat, to: CpuStat, wallMs: number): { throttledPercent: number; stoppedPercent: number } {
  return { throttledPercent: round(throttledPercent(from, to), 1), stoppedPercent: round(throttledTimePercent(from, to, wallMs), 2) };
}
