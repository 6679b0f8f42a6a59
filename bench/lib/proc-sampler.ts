// Server (and load generator) cost from /proc: CPU time (user + system, all threads, in clock
// ticks of 1/100 s on Linux) and resident memory, sampled once a second for a set of PIDs. The
// server may be any process on this machine (`--pid`), so nothing here asks the server itself.
import { readFileSync } from 'node:fs';

const CLOCK_TICKS = 100;

export interface ProcSample {
  at: number;
  /** CPU seconds used so far, summed over the PIDs. */
  cpuSeconds: number;
  /** Resident memory, summed over the PIDs, bytes. */
  rssBytes: number;
}

export function readProc(pids: readonly number[]): ProcSample {
  let cpuSeconds = 0;
  let rssBytes = 0;
  for (const pid of pids) {
    try {
      // The command name may contain spaces and parentheses: fields start after the last ')'.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpuSeconds += (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
      const rss = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      rssBytes += Number(rss?.[1] ?? 0) * 1024;
    } catch {
      // the process is gone; its share simply stops growing
    }
  }
  return { at: performance.now(), cpuSeconds, rssBytes };
}

/** Samples continuously so that windows can be measured and peak memory is not missed. */
export class ProcSampler {
  private readonly samples: ProcSample[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly pids: readonly number[],
    private readonly intervalMs = 1000,
  ) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  sample(): ProcSample {
    const s = readProc(this.pids);
    this.samples.push(s);
    return s;
  }

  /** CPU in % of one core and peak RSS (MB) between two samples (taken with sample()). */
  static window(from: ProcSample, to: ProcSample, peakRssBytes = to.rssBytes): { cpuPercent: number; rssMb: number } {
    const seconds = (to.at - from.at) / 1000;
    return { cpuPercent: seconds > 0 ? (100 * (to.cpuSeconds - from.cpuSeconds)) / seconds : 0, rssMb: Math.round(peakRssBytes / 1048576) };
  }

  /** Peak RSS seen since `since` (performance.now()). */
  peakRss(since: number): number {
    return this.samples.filter((s) => s.at >= since).reduce((m, s) => Math.max(m, s.rssBytes), 0);
  }
}
