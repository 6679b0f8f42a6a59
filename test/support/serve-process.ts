// `node bin/loopcast.js serve …` as a child process that tests can SIGKILL: a signaling process, a
// media host or a whole backend of a deployed system, on a NATS control plane started by the test.
// Resolves once the process logs the line that says it is up (with that line's fields).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eachLine, killAll, tracked } from './kill-server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'loopcast.js');

export interface ServeProcess {
  proc: ChildProcess;
  /** The fields of the log line that said the process is up (e.g. port, udpPort, id). */
  ready: Record<string, unknown>;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** `readyMsg`: the pino `msg` that says the process is up ('loopcast listening', 'media host ready'). */
export function spawnServe(args: string[], readyMsg: string, timeoutMs = 30_000): Promise<ServeProcess> {
  // A process without signaling has its own health/metrics listener: on any free port unless the test
  // names one (several hosts, and other test runs, would collide on the default).
  const services = args[args.indexOf('--services') + 1] ?? '';
  const http = !services.split(',').includes('signaling') && !args.includes('--http-port') ? ['--http-port', '0'] : [];
  const proc = spawn(process.execPath, [BIN, 'serve', ...args, ...http], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = tracked(proc, children);
  const output: string[] = [];
  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    await exited;
  };
  return new Promise<ServeProcess>((resolve, reject) => {
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      proc.kill('SIGKILL');
      reject(new Error(`${err.message}\n${output.join('\n')}`));
    };
    const timer = setTimeout(() => fail(new Error(`loopcast serve ${args.join(' ')} not up within ${timeoutMs} ms`)), timeoutMs);
    const onLine = (line: string): void => {
      output.push(line);
      if (settled || !line.includes(`"msg":"${readyMsg}"`)) return;
      settled = true;
      clearTimeout(timer);
      resolve({ proc, ready: JSON.parse(line) as Record<string, unknown>, output, exited, kill });
    };
    for (const stream of [proc.stdout, proc.stderr]) eachLine(stream, onLine);
    void exited.then(({ code, signal }) => fail(new Error(`loopcast serve exited before it was up (code ${code}, signal ${signal})`)));
  });
}

export async function killAllServe(): Promise<void> {
  await killAll(children);
}

/** Loops of the fixture on administratively scoped groups (never its 224.0.0.1, all-hosts), loopback only. */
export async function useTestGroups(db: string, firstPort: number): Promise<void> {
  const file = join(db, 'auth', '127.0.0.1', 'mcc@127.0.0.1', 'config.json');
  const project = JSON.parse(await readFile(file, 'utf8')) as { loops: Record<string, { multicast?: { host: string; port: number } }> };
  for (const [i, loop] of Object.values(project.loops).entries()) loop.multicast = { host: '239.255.77.8', port: firstPort + i };
  await writeFile(file, JSON.stringify(project, null, 2));
}
