// Mixer engines in child processes (media.mixerIsolation 'process'): a SIGKILLed engine process loses
// only its own listeners for a moment — they move to the remaining engines with their volumes and
// hear the talker again within 2 s (the gap is printed), with a log line and a metric; engine
// processes die with their parent (no orphans), and malformed messages are dropped on both sides.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/config.js';
import { EnginePool, HUNG_TICKS } from '../../src/media/plane/engine-pool.js';
import { hostEngine } from '../../src/media/mixer/worker/engine-host.js';
import type { FromWorker } from '../../src/media/mixer/worker/messages.js';
import { parseFromEngine } from '../../src/media/mixer/worker/validate.js';
import { FRAME_SAMPLES, OpusFrameEncoder } from '../../src/media/opus.js';
import { startMediaPlane } from '../../src/media/plane/start.js';
import { tone } from '../../testkit/signal/index.js';
import type { Operator } from '../support/media-operator.js';
import { until } from '../support/until.js';
import { heard, longestSilenceAround, startTalk, toneScene } from './support/engine-loss.js';
import { startTestServer, type TestServer } from '../support/server.js';

/** Whether `pid` runs (a zombie nobody reaped does not: it has exited). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

let server: TestServer | undefined;
let parent: ChildProcess | undefined;
let pool: EnginePool | undefined;
const operators: Operator[] = [];
afterEach(async () => {
  await pool?.close();
  pool = undefined;
  for (const op of operators.splice(0)) op.close();
  await server?.stop();
  server = undefined;
  parent?.kill('SIGKILL');
  parent = undefined;
});

describe('media plane with two mixer processes', () => {
  it('moves the listeners of a SIGKILLed engine process: heard again within 2 s, logged, counted, no orphans', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const registry = new Registry();
    const media = { enabled: true, bindAddress: '127.0.0.1', mixerWorkers: 3, mixerIsolation: 'process' as const };
    const plane = await startMediaPlane(resolveConfig({ dataDir: tmpdir(), host: '127.0.0.1', port: 0, media }), 0, [], log, registry);
    server = await startTestServer({ config: { media }, media: plane });
    const pids = new Set(plane.engine.workerEngines.map((w) => w.pid ?? 0));
    expect(pids.size).toBe(2);
    for (const pid of pids) expect(pid !== process.pid && running(pid)).toBe(true);

    const scene = await toneScene(server.apiUrl, operators); // alice: engine 0 (this thread), bob: process 1, carol: process 2
    expect(plane.engine.load).toEqual([1, 1, 1]);
    await startTalk(scene);
    const { bob, carol } = scene;
    const before = await heard(bob, performance.now());
    await heard(carol, performance.now());

    const victim = plane.engine.workerEngines[0];
    const pid = victim?.pid ?? 0;
    expect(victim?.listeners.size, 'the victim serves bob').toBe(1);
    const killedAt = performance.now();
    process.kill(pid, 'SIGKILL');
    const gap = await longestSilenceAround(bob, killedAt);
    console.log(`mixer process SIGKILLed: bob's longest silence ${gap.toFixed(0)} ms`);
    expect(gap).toBeLessThan(2000);

    // The same tone at the same level (volume 50 replayed), from another engine.
    const after = await heard(bob, performance.now());
    expect(Math.abs(after.frequency - 440)).toBeLessThan(10);
    expect(Math.abs(after.level - before.level)).toBeLessThan(3);
    expect(plane.engine.workerEngines.includes(victim!)).toBe(false);
    expect(plane.engine.load.reduce((a, b) => a + b)).toBe(3);
    const lost = lines.map((l) => JSON.parse(l) as { msg: string; pid?: number; isolation?: string; listeners?: number }).find((l) => l.msg.startsWith('mixer worker lost'));
    expect(lost).toMatchObject({ pid, isolation: 'process', listeners: 1 });
    expect((await registry.getSingleMetric('loopcast_mixer_workers_lost_total')?.get())?.values[0]?.value).toBe(1);

    // A replacement process starts (for new listeners); when the plane stops, every engine process is gone.
    await until('a replacement engine process', () => plane.engine.workerEngines.length === 2, { pollMs: 10 });
    await Promise.all(plane.engine.workerEngines.map((w) => w.ready));
    for (const w of plane.engine.workerEngines) pids.add(w.pid ?? 0);
    expect(pids.size).toBe(3);
    await server.stop();
    server = undefined;
    for (const p of pids) expect(running(p), `engine process ${p} after the plane stopped`).toBe(false);
  }, 60_000);
});

describe('engine processes die with their parent', () => {
  it('exits when its parent is SIGKILLed', async () => {
    const fixture = fileURLToPath(new URL('./support/engine-parent.ts', import.meta.url));
    parent = spawn(process.execPath, ['--import', 'tsx', fixture], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    parent.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    await until('the engine pid', () => /engine pid \d+/.test(out), { timeoutMs: 15_000, pollMs: 10 });
    const pid = Number(/engine pid (\d+)/.exec(out)?.[1]);
    expect(running(pid)).toBe(true);
    parent.kill('SIGKILL');
    await until(`engine process ${pid} to exit after its parent`, () => !running(pid), { timeoutMs: 3000, pollMs: 10 });
  }, 30_000);
});

describe('a hung engine process', () => {
  it('is dropped after 50 ticks without answers, its listeners moved, and the process killed', async () => {
    pool = new EnginePool({ engines: 2, isolation: 'process', mixer: {}, log: pino({ level: 'silent' }), onWorkerMix: () => undefined });
    await pool.ready();
    pool.setListener('a', { volumes: { loopA: 100 } });
    pool.setListener('b', { volumes: { loopA: 100 } });
    const pid = pool.workerEngines[0]?.pid ?? 0;
    expect(pool.inWorker('b')).toBe(true);
    process.kill(pid, 'SIGSTOP');
    try {
      for (let k = 0; k <= HUNG_TICKS; k++) pool.tick(k * 20, k);
      expect(pool.inWorker('b')).toBe(false);
      expect(pool.load).toEqual([2]);
      // A stopped process cannot see its channel close: it is killed after the grace period.
      await until(`the hung engine process ${pid} to be gone`, () => !running(pid), { timeoutMs: 3000, pollMs: 10 });
      expect(pool.lost).toBe(1);
    } finally {
      if (running(pid)) process.kill(pid, 'SIGKILL');
    }
  }, 20_000);
});

describe('malformed messages', () => {
  it('the engine drops them and keeps serving', () => {
    const replies: FromWorker[] = [];
    const dropped: string[] = [];
    const host = hostEngine({}, (msg) => replies.push(msg), (error) => dropped.push(error));
    const payload = new OpusFrameEncoder().encode(tone({ frequency: 440, dbfs: -12, samples: FRAME_SAMPLES }));
    const bytes = new Uint8Array(payload).buffer;
    const push = { loop: 'a', ssrc: 5, sequenceNumber: 1, timestamp: 960, arrivalMs: 0, start: 0, end: payload.length };
    const hostile: unknown[] = [
      null,
      'tick',
      { type: 'exec' },
      { type: 'tick', seq: 1, tag: 0, nowMs: 0, pushes: [push], bytes: 'not bytes' },
      { type: 'tick', seq: 1, tag: 0, nowMs: 0, pushes: [{ ...push, end: payload.length + 1 }], bytes },
      { type: 'tick', seq: 1, tag: 0, nowMs: 0, pushes: [{ ...push, ssrc: -1 }], bytes },
      { type: 'setListener', id: 'x', volumes: { a: 'loud' } },
      { type: 'setVolume', id: 'nobody', loop: 'a', volume: 10 },
    ];
    for (const msg of hostile) host.onMessage(msg);
    expect(dropped).toHaveLength(hostile.length);
    expect(replies.map((r) => r.type)).toEqual(['ready']);
    host.onMessage({ type: 'setListener', id: 'l', ssrc: undefined, volumes: { a: 100 } });
    host.onMessage({ type: 'tick', seq: 1, tag: 7, nowMs: 20, pushes: [push], bytes });
    expect(replies.map((r) => r.type)).toEqual(['ready', 'mixed']);
    host.close();
  });

  it('the plane rejects replies that do not fit', () => {
    const counters = { ticks: 0, idleTicks: 0, packets: 0, copies: 0, decodes: 0, conceals: 0, decodeErrors: 0, encodes: 0, primes: 0, sharedHits: 0, silentListenerTicks: 0, gated: 0, tailFrames: 0 };
    const mixed = { type: 'mixed', seq: 1, tag: 0, outputs: [{ kind: 'mix', listenerIds: ['l'], talkers: [5], start: 0, end: 4 }], bytes: new ArrayBuffer(4), idle: false, counters, busyMs: 1 };
    expect(parseFromEngine(mixed).ok).toBe(true);
    for (const bad of [
      { ...mixed, bytes: new ArrayBuffer(3) },
      { ...mixed, outputs: [{ ...mixed.outputs[0], start: 3, end: 2 }] },
      { ...mixed, outputs: [{ ...mixed.outputs[0], kind: 'other' }] },
      { ...mixed, counters: { ...counters, encodes: -1 } },
      { ...mixed, outputs: 'all' },
      { type: 'mixed' },
      undefined,
      42,
    ]) {
      expect(parseFromEngine(bad).ok, JSON.stringify(bad)).toBe(false);
    }
  });
});
