// Media-plane benchmark: a Loopcast server in its own process, N simulated operators (real
// signaling, real WebRTC, real Opus) in this one. Measures the server's CPU from /proc in three
// phases and the server-added latency from tone onsets (one machine, one clock).
//
//   node --import tsx bench/media.ts [--operators 50] [--seconds 20] [--json out.json]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { rmsDbfs, tone } from '../src/media/audio/index.js';
import { writeFileAtomic } from '../src/directory/atomic-file.js';
import { hashPassword } from '../src/directory/passwords.js';
import { FRAME_SAMPLES } from '../src/media/opus.js';
import { Operator, sleep } from '../test/support/media-operator.js';

const { values } = parseArgs({
  options: {
    operators: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '20' },
    json: { type: 'string' },
  },
});
const OPERATORS = Number(values.operators);
const SECONDS = Number(values.seconds);
const LOOPS = 8;
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A project with OPERATORS users in one role that may talk on LOOPS loops. */
async function makeDirectory(dir: string): Promise<void> {
  const password = await hashPassword('bench-password');
  const users: Record<string, unknown> = {};
  const members: Record<string, null> = {};
  for (let i = 0; i < OPERATORS; i++) {
    users[`op${i}`] = { id: `op${i}`, password };
    members[`op${i}`] = null;
  }
  const loops: Record<string, unknown> = {};
  for (let l = 0; l < LOOPS; l++) loops[`l${l}`] = { id: `l${l}`, roles: { ops: true } };
  await writeFileAtomic(join(dir, 'auth', 'bench', 'config.json'), JSON.stringify({ id: 'bench', users: {}, roles: {}, loops: {} }));
  await writeFileAtomic(
    join(dir, 'auth', 'bench', 'p', 'config.json'),
    JSON.stringify({ id: 'p', domain: 'bench', users, roles: { ops: { id: 'ops', users: members } }, loops }),
  );
}

async function startServer(dir: string): Promise<{ pid: number; apiUrl: string; stop(): void }> {
  const config = join(dir, 'config.json');
  await writeFile(config, JSON.stringify({ media: { bindAddress: '127.0.0.1', maxSessions: OPERATORS + 10 } }));
  const proc = spawn(process.execPath, [join(ROOT, 'bin/loopcast.js'), 'start', '--db', join(dir, 'db'), '--data-dir', dir, '--port', '0', '--host', '127.0.0.1', '--no-demo', '--config', config], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let buffer = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = /"port":(\d+)[^\n]*loopcast listening/.exec(buffer);
      if (match) resolve(Number(match[1]));
    });
    proc.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  proc.stdout.resume();
  return { pid: proc.pid ?? 0, apiUrl: `wss://127.0.0.1:${port}/api`, stop: () => proc.kill('SIGTERM') };
}

/** CPU seconds (user + system) the process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function measureCpu(pid: number, seconds: number): Promise<number> {
  const before = cpuSeconds(pid);
  const start = performance.now();
  await sleep(seconds * 1000);
  return (cpuSeconds(pid) - before) / ((performance.now() - start) / 1000);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Talker sources: tone bursts (200 ms on, 300 ms off), recording when each burst's first frame is made. */
function burstSource(frequency: number, onsets: number[]): (index: number) => Int16Array | undefined {
  return (index) => {
    const phase = index % 25;
    if (phase >= 10) return undefined;
    if (phase === 0) onsets.push(performance.now());
    return tone({ frequency, dbfs: -12, samples: FRAME_SAMPLES, startSample: index * FRAME_SAMPLES });
  };
}

/** For every burst onset, when the listener first received a loud frame after it. */
function onsetLatencies(op: Operator, onsets: number[]): number[] {
  const frames = op.media.received.frames();
  const out: number[] = [];
  for (const sent of onsets) {
    const first = frames.find((f) => f.arrivedAt > sent && rmsDbfs(f.pcm) > -45);
    if (first && first.arrivedAt - sent < 400) out.push(first.arrivedAt - sent);
  }
  return out;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'loopcast-bench-'));
  await makeDirectory(join(dir, 'db'));
  const progress = (step: string): boolean => process.stderr.write(`bench: ${step}\n`);
  const server = await startServer(dir);
  progress(`server pid ${server.pid} at ${server.apiUrl}`);
  const operators: Operator[] = [];
  const talkers = 5;
  const onsets: number[][] = Array.from({ length: talkers }, () => []);
  try {
    const setupStart = performance.now();
    for (let i = 0; i < OPERATORS; i++) {
      const source = i < talkers ? burstSource(300 + 100 * i, onsets[i] as number[]) : undefined;
      operators.push(await Operator.connect(server.apiUrl, `op${i}`, 'ops', { ...(source ? { source } : {}), ringFrames: 3000 }, 'bench-password'));
    }
    const setupMs = (performance.now() - setupStart) / OPERATORS;
    progress(`${OPERATORS} operators connected`);
    // Every operator monitors 4 of the 8 loops (a rotating window): several distinct mixes.
    for (const [i, op] of operators.entries()) {
      for (let k = 0; k < 4; k++) await op.switch(`l${(i + k) % LOOPS}`, 'recv');
    }
    await sleep(2000);
    progress('measuring idle');
    const idle = await measureCpu(server.pid, SECONDS);

    // One talker, everybody who monitors its loop listens.
    const first = operators[0] as Operator;
    await first.switch('l0', 'send');
    first.media.startSending();
    await sleep(1000);
    progress('measuring one talker');
    const oneTalker = await measureCpu(server.pid, SECONDS);
    const listenersOfL0 = operators.filter((_, i) => [0, 1, 2, 3].some((k) => (i + k) % LOOPS === 0)).length - 1;

    // Five talkers on five loops.
    for (let t = 1; t < talkers; t++) {
      const op = operators[t] as Operator;
      await op.switch(`l${t}`, 'send');
      op.media.startSending();
    }
    await sleep(1000);
    progress('measuring five talkers');
    const fiveTalkers = await measureCpu(server.pid, SECONDS);
    for (const op of operators.slice(0, talkers)) op.media.stopSending();

    const latencies = operators.slice(talkers).flatMap((op) => onsets.flatMap((o) => onsetLatencies(op, o))).sort((a, b) => a - b);
    const result = {
      operators: OPERATORS,
      seconds: SECONDS,
      setupMsPerOperator: Math.round(setupMs),
      cpuIdlePercent: +(idle * 100).toFixed(2),
      cpuOneTalkerPercent: +(oneTalker * 100).toFixed(2),
      cpuFiveTalkersPercent: +(fiveTalkers * 100).toFixed(2),
      listenersOfOneTalker: listenersOfL0,
      cpuPerListenerPercent: +(((oneTalker - idle) * 100) / listenersOfL0).toFixed(3),
      cpuPerTalkerPercent: +(((fiveTalkers - oneTalker) * 100) / (talkers - 1)).toFixed(3),
      latencyMs: { samples: latencies.length, p50: +percentile(latencies, 50).toFixed(1), p99: +percentile(latencies, 99).toFixed(1) },
    };
    console.log(JSON.stringify(result, null, 2));
    console.log(`
| measure (${OPERATORS} operators, ${SECONDS} s windows, this machine) | value |
|---|---|
| server CPU, all connected, nobody talking | ${result.cpuIdlePercent} % of one core |
| server CPU, 1 talker heard by ${listenersOfL0} | ${result.cpuOneTalkerPercent} % |
| server CPU, 5 talkers on 5 loops | ${result.cpuFiveTalkersPercent} % |
| CPU per listening operator | ${result.cpuPerListenerPercent} % |
| CPU per additional talking operator | ${result.cpuPerTalkerPercent} % |
| tone onset → listener, p50 / p99 (${latencies.length} onsets) | ${result.latencyMs.p50} / ${result.latencyMs.p99} ms |
| login → media_ready, mean | ${result.setupMsPerOperator} ms |`);
    if (values.json) await writeFile(values.json, JSON.stringify(result, null, 2));
  } finally {
    for (const op of operators) op.close();
    server.stop();
  }
}

await main();
process.exit(0);
