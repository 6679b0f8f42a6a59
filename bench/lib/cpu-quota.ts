// A bounded CPU budget for the self-started server (`--server-cpu-quota 0.5`): a cgroup v1 CPU
// controller group with a CFS quota, so that a ramp finds the server's limit at a stated budget
// ("N operators at 0.5 core") while the load generator keeps the rest of the machine. The group's
// cpu.stat says how often the server ran out of its budget (throttled periods), which is the
// evidence the ramp's verdict uses.
import { mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const CPU_CGROUP_ROOT = '/sys/fs/cgroup/cpu';
const GROUP_PREFIX = 'loopcast-bench-';
/**
 * 100 ms, the kernel's and container runtimes' default: "0.2 core" then means what it means in a
 * container, 20 ms of CPU in every 100 ms. A shorter period also judges bursts: with 10 ms (2 ms of a
 * 0.2-core budget, about one mixing tick's work) the server was throttled in 3–14 % of the periods while
 * it used 40–55 % of its budget on average, and latency broke first; with 20 ms (`--server-cpu-period-ms 20`,
 * 4 ms per mixing tick at 0.2 core) it was stopped 3 % of the time at 47 % of its budget with 20 operators.
 * With 100 ms it is throttled only when its sustained need reaches the budget.
 */
export const DEFAULT_PERIOD_US = 100_000;
const MIN_QUOTA_US = 1000; // the kernel refuses smaller quotas
/**
 * The group's weight against other runnable tasks (a nice-0 task weighs 1024): high enough that the
 * server gets its budget whenever it wants it on a machine busy with other jobs. A budget the server
 * may not get is no budget: the quota caps it, the weight guarantees it.
 */
export const GUARANTEE_SHARES = 16_384;

export interface QuotaSettings {
  periodUs: number;
  quotaUs: number;
}

/** cfs_period_us / cfs_quota_us for a budget of `cores` (0.5 = half a core) on a machine with `machineCores`. */
export function quotaSettings(cores: number, machineCores: number, periodUs = DEFAULT_PERIOD_US): QuotaSettings {
  if (!Number.isFinite(cores) || cores <= 0) throw new Error(`CPU quota must be a positive number of cores, not ${cores}`);
  if (cores > machineCores) throw new Error(`CPU quota ${cores} exceeds the machine's ${machineCores} cores`);
  if (!Number.isInteger(periodUs) || periodUs < 1000 || periodUs > 1_000_000) throw new Error(`CFS period must be 1000…1000000 µs, not ${periodUs}`);
  const quotaUs = Math.round(cores * periodUs);
  if (quotaUs < MIN_QUOTA_US) throw new Error(`CPU quota ${cores} × ${periodUs} µs is below the kernel's minimum of ${MIN_QUOTA_US} µs`);
  return { periodUs, quotaUs };
}

export interface CpuStat {
  /** CFS periods in which the group had runnable work. */
  periods: number;
  /** Periods in which it used up its quota and was stopped until the next one. */
  throttled: number;
  throttledNs: number;
}

/** Parses a cgroup v1 cpu.stat file (nr_periods, nr_throttled, throttled_time). */
export function parseCpuStat(text: string): CpuStat {
  const value = (key: string): number => Number(new RegExp(`^${key} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  return { periods: value('nr_periods'), throttled: value('nr_throttled'), throttledNs: value('throttled_time') };
}

/** Share of the active periods between two readings in which the group hit its budget (%). */
export function throttledPercent(from: CpuStat, to: CpuStat): number {
  const periods = to.periods - from.periods;
  return periods > 0 ? (100 * (to.throttled - from.throttled)) / periods : 0;
}

/**
 * Share of the wall time between two readings (`wallMs` apart) in which the quota held the group
 * stopped (%). The kernel sums throttled_time over the CPUs on which the group had work queued: one
 * thread stopped reads ~80 % at 0.2 core, two threads spinning on two CPUs ~170 %.
 */
export function throttledTimePercent(from: CpuStat, to: CpuStat, wallMs: number): number {
  return wallMs > 0 ? (100 * (to.throttledNs - from.throttledNs)) / 1e6 / wallMs : 0;
}

export interface CpuQuotaGroup {
  readonly path: string;
  readonly cores: number;
  readonly settings: QuotaSettings;
  /** Moves a process (all its threads) into the group. */
  add(pid: number): void;
  stat(): CpuStat;
  /** Removes the group; processes still in it go back to the root group first. */
  remove(): void;
}

/** Creates the group with its quota (needs root and a mounted cgroup v1 CPU controller). */
export function createCpuQuotaGroup(cores: number, machineCores: number, options: { root?: string; periodUs?: number } = {}): CpuQuotaGroup {
  const root = options.root ?? CPU_CGROUP_ROOT;
  const settings = quotaSettings(cores, machineCores, options.periodUs);
  removeAbandonedGroups(root);
  const path = join(root, `${GROUP_PREFIX}${process.pid}-${Date.now()}`);
  mkdirSync(path);
  try {
    // The quota must not exceed what the period allows: set the period first.
    writeFileSync(join(path, 'cpu.cfs_period_us'), String(settings.periodUs));
    writeFileSync(join(path, 'cpu.cfs_quota_us'), String(settings.quotaUs));
    writeFileSync(join(path, 'cpu.shares'), String(GUARANTEE_SHARES));
  } catch (err) {
    rmdirSync(path);
    throw err;
  }
  return {
    path,
    cores,
    settings,
    add: (pid) => writeFileSync(join(path, 'cgroup.procs'), String(pid)),
    stat: () => parseCpuStat(readFileSync(join(path, 'cpu.stat'), 'utf8')),
    remove: () => removeGroup(root, path),
  };
}

function pidsIn(path: string): string[] {
  return readFileSync(join(path, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
}

function removeGroup(root: string, path: string): void {
  try {
    for (const pid of pidsIn(path)) {
      try {
        writeFileSync(join(root, 'cgroup.procs'), pid);
      } catch {
        // exited meanwhile
      }
    }
    rmdirSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Groups of killed runs (no process left in them) would otherwise stay forever. */
function removeAbandonedGroups(root: string): void {
  for (const name of readdirSync(root)) {
    if (!name.startsWith(GROUP_PREFIX)) continue;
    const path = join(root, name);
    try {
      if (pidsIn(path).length === 0) rmdirSync(path);
    } catch {
      // another run's group in use or gone: leave it
    }
  }
}
