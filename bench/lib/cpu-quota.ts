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
 * 10 ms: a throttled server waits at most the rest of one period. With the CFS default of 100 ms a
 * server on half a core could stall for 50 ms at a time, which is a scheduling artefact of the
 * budget's granularity, not the server's capacity; 10 ms is half a mixing tick.
 */
export const DEFAULT_PERIOD_US = 10_000;
const MIN_QUOTA_US = 1000; // the kernel refuses smaller quotas

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
