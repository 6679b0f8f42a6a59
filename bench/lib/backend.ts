// A backend the load tool starts and stops around one run of `bench compare`: either a self-started
// Loopcast (runScenario does that) or any command that starts a backend in the foreground (e.g. the
// openvocs reference: vocs, ice proxy, vad and N mixers; docs/benchmarks.md). The command runs in its
// own process group; its cost is summed over every process below it (the reference is many processes).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { sleep } from './stats.js';

export interface BackendSpec {
  name: string;
  /** Shell command that starts the backend and stays in the foreground; absent = self-started Loopcast. */
  start?: string;
  /** wss://host:port/api of the started backend (with `start`). */
  url?: string;
  /** Seconds to wait after the port accepts connections (openvocs' mixers connect after 3 s). */
  settleSeconds?: number;
}

export interface RunningBackend {
  url: string;
  pids(): number[];
  stop(): Promise<void>;
}

/** Every process below `root` (by parent PID in /proc), root included. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const queue = [root];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

async function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** Starts a command backend and waits until its URL's port accepts connections, plus the settle time. */
export async function startCommandBackend(spec: Required<Pick<BackendSpec, 'start' | 'url'>> & BackendSpec, timeoutMs = 60_000): Promise<RunningBackend> {
  const proc: ChildProcess = spawn('sh', ['-c', spec.start], { detached: true, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const { hostname, port } = new URL(spec.url);
  const deadline = performance.now() + timeoutMs;
  while (!(await portOpen(hostname, Number(port || 443)))) {
    if (proc.exitCode !== null || performance.now() > deadline) {
      if (proc.exitCode === null) process.kill(-(proc.pid as number), 'SIGKILL');
      throw new Error(`${spec.name}: ${spec.url} did not open within ${timeoutMs} ms (exit ${proc.exitCode})`);
    }
    await sleep(200);
  }
  await sleep((spec.settleSeconds ?? 5) * 1000);
  const root = proc.pid as number;
  return {
    url: spec.url,
    pids: () => descendants(root),
    async stop() {
      const group = descendants(root);
      if (proc.exitCode === null && proc.signalCode === null) process.kill(-root, 'SIGTERM');
      const killer = setTimeout(() => {
        try {
          process.kill(-root, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 5000);
      await exited;
      clearTimeout(killer);
      // The group's last members may outlive the shell by a moment; the next run needs the ports.
      const alive = (): boolean => group.some((pid) => existsSync(`/proc/${pid}`));
      for (let i = 0; i < 50 && alive(); i++) await sleep(100);
      for (const pid of group) if (existsSync(`/proc/${pid}`)) process.kill(pid, 'SIGKILL');
    },
  };
}
