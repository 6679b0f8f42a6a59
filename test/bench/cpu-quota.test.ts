// The server's CPU budget for ramps (`--server-cpu-quota`): quota arithmetic, cpu.stat reading, the
// ramp's verdict against a quota, and — where this machine allows it — a real cgroup v1 group that
// holds a busy process to its budget and is removed afterwards.
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CPU_CGROUP_ROOT, GUARANTEE_SHARES, createCpuQuotaGroup, parseCpuStat, quotaSettings, throttledPercent, throttledTimePercent } from '../../bench/lib/cpu-quota.js';
import { DEFAULT_ACCOUNTS } from '../../bench/lib/directory.js';
import { readProc } from '../../bench/lib/proc-sampler.js';
import { startBenchServer } from '../../bench/lib/server.js';
import { budgets, judgeSaturation } from '../../bench/lib/saturation.js';
import type { WindowResult } from '../../bench/lib/window.js';

describe('CPU quota settings', () => {
  it('turns cores into a CFS quota per period', () => {
    expect(quotaSettings(0.5, 2)).toEqual({ periodUs: 100_000, quotaUs: 50_000 });
    expect(quotaSettings(0.5, 2, 10_000)).toEqual({ periodUs: 10_000, quotaUs: 5000 });
    expect(quotaSettings(1.5, 2, 100_000)).toEqual({ periodUs: 100_000, quotaUs: 150_000 });
  });

  it('refuses budgets the kernel or the machine cannot give', () => {
    expect(() => quotaSettings(0, 2)).toThrow(/positive/);
    expect(() => quotaSettings(Number.NaN, 2)).toThrow(/positive/);
    expect(() => quotaSettings(-1, 2)).toThrow(/positive/);
    expect(() => quotaSettings(3, 2)).toThrow(/exceeds/);
    expect(() => quotaSettings(0.05, 2, 10_000)).toThrow(/minimum/); // 500 µs of 10 ms
    expect(() => quotaSettings(0.5, 2, 500)).toThrow(/period/);
  });

  it('reads cpu.stat and the share of throttled periods between two readings', () => {
    const a = parseCpuStat('nr_periods 100\nnr_throttled 10\nthrottled_time 5000000\nnr_bursts 0\nburst_time 0\n');
    expect(a).toEqual({ periods: 100, throttled: 10, throttledNs: 5_000_000 });
    const b = parseCpuStat('nr_periods 300\nnr_throttled 60\nthrottled_time 9000000\n');
    expect(throttledPercent(a, b)).toBe(25);
    expect(throttledPercent(b, b)).toBe(0);
    expect(parseCpuStat('')).toEqual({ periods: 0, throttled: 0, throttledNs: 0 });
    // 4 ms (9 − 5) of stop in a 400 ms window: 1 %.
    expect(throttledTimePercent(a, b, 400)).toBe(1);
    expect(throttledTimePercent(a, b, 0)).toBe(0);
  });
});

describe('ramp verdict with a server CPU quota', () => {
  // `stopped`: % of the window's time the quota held the server stopped; throttled periods are 5× that here.
  const window = (server: number, client: number, stopped?: number, delay = 5): Pick<WindowResult, 'server' | 'client'> => ({
    server: { cpuPercent: server, rssMb: 0, ...(stopped !== undefined ? { stoppedPercent: stopped, throttledPercent: stopped * 5 } : {}) },
    client: { cpuPercent: client, rssMb: 0, eventLoopDelayP99Ms: delay },
  });

  it('gives each side its budget: pinned cores, the quota, and what the server takes from shared cores', () => {
    expect(budgets({ machineCores: 2 })).toEqual({ server: 2, generator: 2 });
    expect(budgets({ machineCores: 2, serverQuota: 0.5 })).toEqual({ server: 0.5, generator: 1.5, serverQuota: true });
    expect(budgets({ machineCores: 2, serverCpus: '1', generatorCpus: '0' })).toEqual({ server: 1, generator: 1 });
    expect(budgets({ machineCores: 2, serverCpus: '1', generatorCpus: '0', serverQuota: 0.5 })).toEqual({ server: 0.5, generator: 1, serverQuota: true });
    expect(budgets({ machineCores: 4, serverCpus: '1', serverQuota: 3 })).toEqual({ server: 1, generator: 3, serverQuota: true });
  });

  it('judges the server against its quota, not against the machine', () => {
    // 45 % of one core is 90 % of a half-core budget: the server is the limit.
    const v = judgeSaturation(window(45, 60, 0.2), { server: 0.5, generator: 2, serverQuota: true });
    expect(v.saturated).toBe('server');
    expect(v.text).toMatch(/^the server saturated \(server 90 % of 0.5 cores \(CPU quota\), throttled in 1 % of periods, stopped 0.2 % of the time/);
    expect(judgeSaturation(window(45, 60), { server: 2, generator: 2 }).saturated).toBe('neither');
  });

  it('does not say the limits broke when the ramp ended at its operator bound', () => {
    expect(judgeSaturation(window(100, 35), { server: 2, generator: 2 }, false).text).toMatch(/^neither side saturated \(server 50 %/);
    expect(judgeSaturation(window(100, 35), { server: 2, generator: 2 }, true).text).toMatch(/^neither side saturated \(the limits broke first\)/);
  });

  it('counts a server its quota holds stopped for ≥ 1 % of the time as saturated, even below 85 % on average', () => {
    const quota = { server: 0.2, generator: 1.8, serverQuota: true };
    expect(judgeSaturation(window(7, 8, 1.6), quota).saturated).toBe('server');
    expect(judgeSaturation(window(7, 8, 1), quota).saturated).toBe('server');
    expect(judgeSaturation(window(7, 8, 0.99), quota).saturated).toBe('neither');
    expect(judgeSaturation(window(7, 8, 0), quota).saturated).toBe('neither');
  });

  it('still blames the generator when it is the one lagging, and says both when both are', () => {
    expect(judgeSaturation(window(20, 100, 0, 80), { server: 0.5, generator: 2, serverQuota: true }).saturated).toBe('load generator');
    expect(judgeSaturation(window(20, 100, 0.5, 80), { server: 0.5, generator: 2, serverQuota: true }).saturated).toBe('load generator');
    expect(judgeSaturation(window(48, 100, 2, 80), { server: 0.5, generator: 2, serverQuota: true }).saturated).toBe('both');
  });
});

const cgroupWritable = ((): boolean => {
  try {
    accessSync(CPU_CGROUP_ROOT, constants.W_OK);
    return existsSync(join(CPU_CGROUP_ROOT, 'cpu.cfs_quota_us'));
  } catch {
    return false;
  }
})();

describe.skipIf(!cgroupWritable)('CPU quota group (cgroup v1, root)', () => {
  it('holds a busy process to its budget, counts throttling, and is removed afterwards', async () => {
    // A group left by a killed run (no process in it) is cleaned up when the next one is made.
    const abandoned = join(CPU_CGROUP_ROOT, 'loopcast-bench-999999-0');
    if (!existsSync(abandoned)) mkdirSync(abandoned);
    const group = createCpuQuotaGroup(0.2, 2);
    expect(existsSync(abandoned)).toBe(false);
    // Capped by the quota, guaranteed by a weight above any ordinary task's.
    expect(readFileSync(join(group.path, 'cpu.cfs_quota_us'), 'utf8').trim()).toBe('20000');
    expect(Number(readFileSync(join(group.path, 'cpu.shares'), 'utf8'))).toBe(GUARANTEE_SHARES);
    const busy = spawn(process.execPath, ['-e', 'const end = Date.now() + 4000; while (Date.now() < end) {}'], { stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => busy.once('exit', () => resolve()));
    try {
      group.add(busy.pid as number);
      const before = readProc([busy.pid as number]);
      const statBefore = group.stat();
      const wallFrom = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const after = readProc([busy.pid as number]);
      const cores = (after.cpuSeconds - before.cpuSeconds) / ((after.at - before.at) / 1000);
      // A spinning process would use a whole core; the group holds it near 0.2 (clock ticks are 10 ms).
      expect(cores).toBeLessThan(0.3);
      const statAfter = group.stat();
      expect(throttledPercent(statBefore, statAfter)).toBeGreaterThan(50);
      // One spinning thread at 0.2 core is held stopped ~80 % of the time.
      expect(throttledTimePercent(statBefore, statAfter, performance.now() - wallFrom)).toBeGreaterThan(60);
    } finally {
      // Removing the group while the process still runs moves it back to the root group first.
      group.remove();
      busy.kill('SIGKILL');
      await exited;
    }
    expect(existsSync(group.path)).toBe(false);
  });

  it('runs the self-started server in its quota group, with all its threads, and removes the group at stop', async () => {
    const server = await startBenchServer(2, 2, DEFAULT_ACCOUNTS, { cpuQuota: { cores: 0.5, machineCores: 2 } });
    let group = '';
    try {
      expect(server.cpuBudget?.cores).toBe(0.5);
      group = /^\d+:cpu(?:,cpuacct)?:(\/loopcast-bench-[^\n]+)$/m.exec(readFileSync(`/proc/${server.pid}/cgroup`, 'utf8'))?.[1] ?? '';
      expect(group).not.toBe('');
      const procs = readFileSync(join(CPU_CGROUP_ROOT, group, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
      expect(procs).toEqual([String(server.pid)]);
      // Threads started after the move (libuv pool, libdatachannel, V8) are in the group too.
      const tasks = readFileSync(join(CPU_CGROUP_ROOT, group, 'tasks'), 'utf8').split('\n').filter(Boolean);
      expect(tasks.length).toBeGreaterThan(4);
      expect(server.cpuBudget?.stat().periods).toBeGreaterThanOrEqual(0);
    } finally {
      await server.stop();
    }
    expect(existsSync(join(CPU_CGROUP_ROOT, group))).toBe(false);
  }, 30_000);
});
