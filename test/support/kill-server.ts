// Loopcast as a separate child process (`node bin/loopcast.js start …`) that tests can SIGKILL: the
// real CLI, the real file writes, no shared memory with the test.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { FIXTURE_DB } from './server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'loopcast.js');

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, await newestMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, (await stat(path)).mtimeMs);
  }
  return newest;
}

/** `npm test` builds first; when run alone, build if dist/ is missing or older than src/. */
export async function ensureBuilt(): Promise<void> {
  const main = join(ROOT, 'dist', 'cli', 'main.js');
  const built = await stat(main).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  if (built > 0 && built >= (await newestMtime(join(ROOT, 'src')))) return;
  await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT });
}

export interface ChildServer {
  proc: ChildProcess;
  port: number;
  apiUrl: string;
  /** Every stdout/stderr line so far (pino JSON lines and the CLI banner). */
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();

export async function makeTempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/** A writable copy of the fixture directory (removed by cleanupChildren). */
export async function copyFixtureDb(): Promise<string> {
  const dir = await makeTempDir('loopcast-kill-db-');
  await cp(FIXTURE_DB, dir, { recursive: true });
  return dir;
}

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

/** Keeps `proc` in `set` until it exits; resolves with how it exited. */
export function tracked(proc: ChildProcess, set: Set<ChildProcess>): Promise<Exit> {
  set.add(proc);
  return new Promise<Exit>((resolve) => {
    proc.once('exit', (code, signal) => {
      set.delete(proc);
      resolve({ code, signal });
    });
  });
}

/** Calls `onLine` with every complete line the stream writes (a child's log, one JSON record per line). */
export function eachLine(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buffer = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      onLine(line);
    }
  });
}

/** Start the CLI and resolve once its log says `loopcast listening` (with the port it got). */
/** `user`: run the server as this unprivileged uid/gid (the tests run as root, which ignores file permissions). */
export function spawnLoopcast(options: { db: string; dataDir: string; timeoutMs?: number; config?: string; user?: { uid: number; gid: number } }): Promise<ChildServer> {
  const args = [BIN, 'start', '--db', options.db, '--data-dir', options.dataDir, '--port', '0', '--host', '127.0.0.1', '--no-demo', '--log-level', 'info'];
  if (options.config) args.push('--config', options.config);
  const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], ...(options.user ?? {}) });
  const exited = tracked(proc, children);
  const output: string[] = [];
  return new Promise<ChildServer>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => fail(new Error(`loopcast did not start within ${options.timeoutMs ?? 20_000} ms`)), options.timeoutMs ?? 20_000);
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      proc.kill('SIGKILL');
      reject(new Error(`${err.message}\n${output.join('\n')}`));
    };
    eachLine(proc.stdout, (line) => {
      output.push(line);
      if (settled || !line.includes('"msg":"loopcast listening"')) return;
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch {
        return;
      }
      const port = (record as { port?: unknown }).port;
      if (typeof port !== 'number') return fail(new Error(`no port in: ${line}`));
      settled = true;
      clearTimeout(timer);
      resolve({ proc, port, apiUrl: `wss://127.0.0.1:${port}/api`, output, exited });
    });
    eachLine(proc.stderr, (line) => output.push(line));
    void exited.then(({ code, signal }) => fail(new Error(`loopcast exited before listening (code ${code}, signal ${signal})`)));
  });
}

/** SIGKILL: no shutdown hook runs, whatever was not on disk is gone. */
export async function killHard(server: ChildServer): Promise<void> {
  server.proc.kill('SIGKILL');
  await server.exited;
}

/** SIGKILL every process of `procs` still running and wait until each has exited. */
export async function killAll(procs: Iterable<ChildProcess>): Promise<void> {
  await Promise.all(
    [...procs].map(async (proc) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGKILL');
      await gone;
    }),
  );
}

/** Kill every child still running and remove every temp dir (afterEach/afterAll, also on failure). */
export async function cleanupChildren(): Promise<void> {
  await killAll(children);
  children.clear();
  await Promise.all([...tempDirs].map((dir) => rm(dir, { recursive: true, force: true })));
  tempDirs.clear();
}
