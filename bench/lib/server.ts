// Starts a Loopcast server for a benchmark as a child process (`node bin/loopcast.js start`), with a
// generated directory, on loopback and a free port: the load tool then talks to it exactly as to any
// other backend, and its CPU/RSS are read from /proc by PID. Needs dist/ (`npm run build`).
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCpuQuotaGroup, type CpuQuotaGroup, type CpuStat } from './cpu-quota.js';
import { writeBenchDirectory, type BenchAccounts } from './directory.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface BenchServer {
  pid: number;
  apiUrl: string;
  /** With a CPU quota: the budget in cores and the quota group's throttling counters. */
  cpuBudget?: { cores: number; periodUs: number; stat: () => CpuStat };
  stop(): Promise<void>;
}

export interface BenchServerPlacement {
  /** Pin the server to these CPUs (taskset list, e.g. "1"), away from the load generator. */
  cpus?: string;
  /** Address for signaling and media (default 127.0.0.1). */
  host?: string;
  /** Network namespace to run the server in (`ip netns exec`), e.g. for a generator in another one. */
  netns?: string;
  /** A CPU budget for the server (cgroup v1 CFS quota), in cores of `machineCores`, e.g. 0.5. */
  cpuQuota?: { cores: number; machineCores: number; periodUs?: number };
}

export async function startBenchServer(operators: number, loops: number, accounts: BenchAccounts, placement: BenchServerPlacement = {}): Promise<BenchServer> {
  const host = placement.host ?? '127.0.0.1';
  const dir = await mkdtemp(join(tmpdir(), 'loopcast-bench-'));
  await writeBenchDirectory(join(dir, 'db'), operators, loops, accounts);
  const config = join(dir, 'config.json');
  // Raise the session cap above the fleet; everything stays on `host` (loopback by default).
  // LOOPCAST_BENCH_PLAYOUT_FRAMES compares playout buffer sizes on the self-started server.
  const playout = process.env.LOOPCAST_BENCH_PLAYOUT_FRAMES;
  await writeFile(config, JSON.stringify({ media: { bindAddress: host, maxSessions: operators + 10, ...(playout ? { playoutFrames: Number(playout) } : {}) } }));
  const args = [join(ROOT, 'bin/loopcast.js'), 'start', '--db', join(dir, 'db'), '--data-dir', dir, '--port', '0', '--host', host, '--no-demo', '--config', config];
  // ip netns exec and taskset exec the server: the PID sampled is the server's.
  const command = [...(placement.netns ? ['ip', 'netns', 'exec', placement.netns] : []), ...(placement.cpus ? ['taskset', '-c', placement.cpus] : []), process.execPath, ...args];
  // The group exists before the server does, so a refused quota stops the run before anything starts.
  const quota: CpuQuotaGroup | undefined = placement.cpuQuota ? createCpuQuotaGroup(placement.cpuQuota.cores, placement.cpuQuota.machineCores, placement.cpuQuota) : undefined;
  const proc = spawn(command[0] as string, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  // Before the server has started its threads; threads it creates later stay in the group.
  if (quota && proc.pid !== undefined) {
    try {
      quota.add(proc.pid);
    } catch (err) {
      proc.kill('SIGKILL');
      quota.remove();
      throw err;
    }
  }
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within 20 s:\n${output}`)), 20_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /"port":(\d+)[^\n]*loopcast listening/.exec(output);
      if (match) {
        clearTimeout(timer);
        // Started: stop collecting the log (a long run's log, rescanned per chunk, cost the generator CPU).
        proc.stdout.off('data', onData);
        proc.stderr.off('data', onData);
        resolve(Number(match[1]));
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  }).catch((err: unknown) => {
    proc.kill('SIGKILL');
    quota?.remove();
    throw err;
  });
  // Keep draining the pipes so a chatty server never blocks on a full pipe.
  proc.stdout.resume();
  proc.stderr.resume();
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return {
    pid: proc.pid ?? 0,
    apiUrl: `wss://${host}:${port}/api`,
    ...(quota ? { cpuBudget: { cores: quota.cores, periodUs: quota.settings.periodUs, stat: () => quota.stat() } } : {}),
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const killer = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(killer);
      }
      quota?.remove();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
