// Which side was the limit at the end of a ramp. Each side is judged against its own CPU budget:
// the server's cores (taskset) or its CFS quota, the load generator's cores. A side is saturated
// when it used ≥ 85 % of its budget. The server on a quota also when the quota held it stopped for
// ≥ 1 % of the window's time (summed over the CPUs it had work queued on): its work comes in
// bursts, so it runs out of budget in some periods before its average reaches it, and each stop (up
// to the rest of a CFS period, 100 ms by default) delays every frame due meanwhile — from about 1 % of the time on,
// that can reach the p99 latency limit by itself (1.4 % was also seen with the p99 held at 49 ms).
// The count of throttled periods is not enough: a stop late in a period is short; 1–5 % of the
// periods throttled were seen both with the p99 held and with it at 110 ms. The generator is also
// saturated when its event loop lags > 50 ms (its arrival times then measure itself).
// Self-started Loopcast also tells it directly: when ≥ 1 % of its mixing ticks (one per 5 ms phase since
// the mixing phases; a late stretch makes all four of a frame late, so the share reads as before) ran more
// than 10 ms after their deadline, the server could not keep its own clock — each such tick delays every frame
// it carries, which is what a p99 limit counts — so the server is the side that saturated.
import type { WindowResult } from './window.js';

export const FULL_SHARE = 0.85;
export const STOPPED_LIMIT_PERCENT = 1;
export const GENERATOR_LAG_LIMIT_MS = 50;
export const LATE_TICKS_LIMIT_PERCENT = 1;

export interface Budgets {
  /** Cores the server may use: its pinned cores, or its CPU quota in cores (e.g. 0.5). */
  server: number;
  generator: number;
  /** Set when the server's budget is a CPU quota (the verdict then says so). */
  serverQuota?: boolean;
}

export type Saturated = 'server' | 'load generator' | 'both' | 'neither';

export interface Verdict {
  saturated: Saturated;
  text: string;
}

const share = (cpuPercent: number, cores: number): number => cpuPercent / (100 * cores);

/** `limitsBroke`: the ramp stopped on its loss/latency limits (else at its operator bound or a failed connect). */
export function judgeSaturation(last: Pick<WindowResult, 'server' | 'client'>, budgets: Budgets, limitsBroke = true): Verdict {
  const server = share(last.server.cpuPercent, budgets.server);
  const generator = share(last.client.cpuPercent, budgets.generator);
  const throttled = last.server.throttledPercent;
  const stopped = last.server.stoppedPercent;
  const lateTicks = last.server.lateTicksPercent;
  const serverFull = server >= FULL_SHARE || (stopped ?? 0) >= STOPPED_LIMIT_PERCENT || (lateTicks ?? 0) >= LATE_TICKS_LIMIT_PERCENT;
  const generatorFull = generator >= FULL_SHARE || last.client.eventLoopDelayP99Ms > GENERATOR_LAG_LIMIT_MS;
  const saturated: Saturated = serverFull && generatorFull ? 'both' : serverFull ? 'server' : generatorFull ? 'load generator' : 'neither';
  const budget = `${budgets.server} core${budgets.server === 1 ? '' : 's'}${budgets.serverQuota ? ' (CPU quota)' : ''}`;
  const parts = [
    `server ${Math.round(server * 100)} % of ${budget}${throttled !== undefined ? `, throttled in ${throttled} % of periods` : ''}${stopped !== undefined ? `, stopped ${stopped} % of the time` : ''}${lateTicks !== undefined ? `, ${lateTicks} % of its ticks > 10 ms late` : ''}`,
    `load generator ${Math.round(generator * 100)} % of ${budgets.generator} core(s), event-loop delay p99 ${last.client.eventLoopDelayP99Ms} ms`,
  ];
  const lead = { server: 'the server saturated', 'load generator': 'the load generator saturated', both: 'both saturated', neither: limitsBroke ? 'neither side saturated (the limits broke first)' : 'neither side saturated' }[saturated];
  return { saturated, text: `${lead} (${parts.join('; ')})` };
}

/** CPUs of a taskset list ("0", "0-1", "0,2-3"). */
export function cpuList(list: string): number[] {
  const out: number[] = [];
  for (const part of list.split(',')) {
    const [from, to] = part.split('-').map(Number);
    if (from === undefined || !Number.isInteger(from)) throw new Error(`bad CPU list ${list}`);
    for (let c = from; c <= (to ?? from); c++) out.push(c);
  }
  return out;
}

/**
 * Each side's budget from the placement options: the server's pinned cores, capped by its quota; the
 * generator's pinned cores, less what a server on a quota may take from them when they share cores
 * (unpinned, both run on every core: with a 0.5-core server quota on 2 cores the generator has 1.5).
 */
export function budgets(placement: { machineCores: number; serverCpus?: string; generatorCpus?: string; serverQuota?: number }): Budgets {
  const all = Array.from({ length: placement.machineCores }, (_, i) => i);
  const serverCpus = placement.serverCpus ? cpuList(placement.serverCpus) : all;
  const generatorCpus = placement.generatorCpus ? cpuList(placement.generatorCpus) : all;
  const server = placement.serverQuota !== undefined ? Math.min(placement.serverQuota, serverCpus.length) : serverCpus.length;
  const shared = generatorCpus.filter((c) => serverCpus.includes(c)).length;
  // Without a quota either may take every shared core, so each is judged against all of its own.
  const generator = generatorCpus.length - (placement.serverQuota !== undefined ? Math.min(shared, server) : 0);
  return { server, generator, ...(placement.serverQuota !== undefined ? { serverQuota: true } : {}) };
}

/** The verdict as the ramp reports it (one sentence). */
export function saturatedSide(last: Pick<WindowResult, 'server' | 'client'>, budgets: Budgets, limitsBroke = true): string {
  return judgeSaturation(last, budgets, limitsBroke).text;
}
