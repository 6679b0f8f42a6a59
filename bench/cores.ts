// Mixer engines per host: operators served at the latency/loss limit with 1 engine (in the main
// thread, today's default) and with 2 (main thread + one worker thread, then main thread + one child
// process: media.mixerIsolation; listeners balanced). Each row also gives the transport's share of a
// tick: the round trip (tick sent → frames back) minus the engine's own time, p50/p99.
// First, the bare round trip of an empty tick to an idle engine (500 ticks one after another).
// Run: npm run bench -- cores [--seconds 2] [--isolation thread,process] (the order of the series)
// Scenario as bench/mixer.ts: 24 loops, 6 talkers, each listener monitors 8 seeded random loops with
// varied volumes (so listeners share encoders only partly). Every 20 ms (hrtime deadlines) each
// engine gets the talkers' packets and one tick; a tick is done when every engine has its frames.
// Limit: p99 of (done − deadline) ≤ 40 ms (two frames) and ≤ 1 % of ticks lost (done > 60 ms late or skipped).
// The load average is printed: on a shared machine other jobs take cores too.
import { loadavg, cpus } from 'node:os';
import { MixerEngine } from '../src/media/mixer/index.js';
import { WorkerMixerEngine } from '../src/media/mixer/worker/worker-engine.js';
import type { Isolation } from '../src/media/mixer/worker/channel.js';
import { FRAME_SAMPLES, OpusFrameEncoder } from '../src/media/opus.js';
import { tone } from '../testkit/signal/index.js';

const LOOPS = 24;
const TALKERS = 6;
const MONITORED = 8;
const TICK_MS = 20;
const P99_LIMIT_MS = 40;
const LOST_AFTER_MS = 60;
const LOSS_LIMIT = 0.01;
const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 2;
const isolationArg = process.argv.includes('--isolation') ? (process.argv[process.argv.indexOf('--isolation') + 1] ?? '') : 'thread,process';
const isolations = isolationArg.split(',').filter((x): x is Isolation => x === 'thread' || x === 'process');

let seed = 12345;
const rand = (): number => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};

const frames: Buffer[][] = Array.from({ length: TALKERS }, (_, t) => {
  const enc = new OpusFrameEncoder();
  return Array.from({ length: 50 }, (_, i) => enc.encode(tone({ frequency: 200 + 150 * t, dbfs: -18, samples: FRAME_SAMPLES, startSample: i * FRAME_SAMPLES })));
});

function listenerConfigs(n: number): Array<{ ssrc?: number; volumes: Record<string, number> }> {
  seed = 12345;
  return Array.from({ length: n }, (_, l) => {
    const loops = new Set<number>();
    if (l < TALKERS) loops.add(l);
    while (loops.size < MONITORED) loops.add(Math.floor(rand() * LOOPS));
    const volumes: Record<string, number> = {};
    for (const loop of loops) volumes[`loop${loop}`] = rand() < 0.7 ? 100 : rand() < 0.5 ? 50 : 75;
    return { volumes, ...(l < TALKERS ? { ssrc: 70000 + l } : {}) };
  });
}

interface StepResult {
  p50: number;
  p99: number;
  loss: number;
  workerBusyMs: number;
  /** Round trip minus the engine's time: what the thread or process boundary costs per tick. */
  transportP50: number;
  transportP99: number;
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

async function runStep(engines: number, listeners: number, isolation: Isolation): Promise<StepResult> {
  const local = new MixerEngine({ alwaysDecode: true, playout: { targetFrames: 1 } });
  const workers = Array.from({ length: engines - 1 }, () => new WorkerMixerEngine({ playout: { targetFrames: 1 } }, { isolation }));
  await Promise.all(workers.map((w) => w.ready));
  // Least-loaded placement = round robin here (all listeners arrive at once).
  listenerConfigs(listeners).forEach((cfg, i) => {
    const slot = i % engines;
    if (slot === 0) local.setListener(`l${i}`, cfg);
    else workers[slot - 1]?.setListener(`l${i}`, cfg);
  });
  const total = Math.round((seconds * 1000) / TICK_MS);
  const warmup = 25;
  const late: number[] = [];
  let lost = 0;
  let busy = 0;
  const t0 = performance.now();
  const deadline = (k: number): number => t0 + k * TICK_MS;
  const waiting = new Map<number, { left: number; k: number; sentAt: number }>();
  const transport: number[] = [];
  const finish = (k: number): void => {
    if (k >= warmup) late.push(performance.now() - deadline(k));
  };
  for (const w of workers) {
    w.on('mixed', (t) => {
      const entry = waiting.get(t.seq);
      if (t.seq > warmup) busy += t.busyMs;
      if (entry && t.seq > warmup) transport.push(performance.now() - entry.sentAt - t.busyMs);
      if (!entry || --entry.left > 0) return;
      waiting.delete(t.seq);
      finish(entry.k);
    });
  }
  let k = 0;
  await new Promise<void>((resolve) => {
    const step = (): void => {
      const now = performance.now();
      // A tick more than 3 periods late is given up (as the plane's clock does): lost.
      while (k < total && now - deadline(k) > 3 * TICK_MS) {
        if (k >= warmup) lost++;
        k++;
      }
      if (k >= total) return resolve();
      if (now >= deadline(k)) {
        for (let t = 0; t < TALKERS; t++) {
          const pkt = { ssrc: 70000 + t, sequenceNumber: k & 0xffff, timestamp: (k * FRAME_SAMPLES) >>> 0, payload: frames[t]?.[k % 50] as Buffer };
          local.push(`loop${t}`, pkt, now);
          for (const w of workers) w.push(`loop${t}`, pkt, now);
        }
        if (workers.length > 0) waiting.set(k + 1, { left: workers.length, k, sentAt: performance.now() });
        for (const w of workers) w.tick(now);
        local.tick(now);
        if (workers.length === 0) finish(k);
        k++;
      }
      setTimeout(step, Math.max(0, Math.floor(deadline(k) - performance.now())));
    };
    step();
  });
  // Replies still outstanding after a grace period count as lost.
  const graceEnd = performance.now() + LOST_AFTER_MS * 2;
  while (waiting.size > 0 && performance.now() < graceEnd) await new Promise((r) => setTimeout(r, 5));
  lost += [...waiting.values()].filter((e) => e.k >= warmup).length;
  lost += late.filter((x) => x > LOST_AFTER_MS).length;
  local.close();
  await Promise.all(workers.map((w) => w.terminate()));
  const measured = total - warmup;
  return {
    p50: pct(late, 50),
    p99: pct(late, 99),
    loss: lost / measured,
    workerBusyMs: busy / measured,
    transportP50: pct(transport, 50),
    transportP99: pct(transport, 99),
  };
}

/** Round trips of empty ticks to an idle engine: the bare cost of the thread or process boundary. */
async function idleRoundTrip(isolation: Isolation): Promise<{ p50: number; p99: number }> {
  const engine = new WorkerMixerEngine({}, { isolation });
  await engine.ready;
  const rtts: number[] = [];
  let sentAt = 0;
  await new Promise<void>((resolve) => {
    engine.on('mixed', () => {
      rtts.push(performance.now() - sentAt);
      if (rtts.length >= 500) return resolve();
      sentAt = performance.now();
      engine.tick(sentAt);
    });
    sentAt = performance.now();
    engine.tick(sentAt);
  });
  await engine.terminate();
  return { p50: pct(rtts, 50), p99: pct(rtts, 99) };
}

const ok = (r: StepResult): boolean => r.p99 <= P99_LIMIT_MS && r.loss <= LOSS_LIMIT;

async function served(engines: number, isolation: Isolation): Promise<number> {
  let good = 0;
  let bad: number | undefined;
  let n = 25;
  const row = async (size: number): Promise<boolean> => {
    const r = await runStep(engines, size, isolation);
    const where = engines === 1 ? 'main' : `main + ${isolation}`;
    const transport = engines === 1 ? '' : `${r.transportP50.toFixed(2)} / ${r.transportP99.toFixed(2)}`;
    console.log(
      `| ${where} | ${size} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${(r.loss * 100).toFixed(1)} % | ${r.workerBusyMs.toFixed(2)} | ${transport} | ${ok(r) ? 'ok' : 'over'} | ${loadavg()[0]?.toFixed(1)} |`,
    );
    return ok(r);
  };
  while (bad === undefined && n <= 6400) {
    if (await row(n)) {
      good = n;
      n *= 2;
    } else bad = n;
  }
  // Two bisection steps between the last good and the first bad size.
  for (let i = 0; i < 2 && bad !== undefined && bad - good > 50; i++) {
    const mid = Math.round((good + bad) / 2 / 10) * 10;
    if (await row(mid)) good = mid;
    else bad = mid;
  }
  return good;
}

console.log(`# Mixer engines per host (${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}, ${seconds} s per step, node ${process.version})\n`);
for (const isolation of isolations) {
  const r = await idleRoundTrip(isolation);
  console.log(`Empty tick round trip, ${isolation}: p50 ${r.p50.toFixed(3)} ms, p99 ${r.p99.toFixed(3)} ms`);
}
console.log('');
console.log('| engines | listeners | done p50 ms | done p99 ms | lost | worker ms/tick | transport p50 / p99 ms | | load 1 min |');
console.log('|---|---:|---:|---:|---:|---:|---:|---|---:|');
const one = await served(1, 'thread');
const two = new Map<Isolation, number>();
for (const isolation of isolations) two.set(isolation, await served(2, isolation));
const ratio = (n: number): string => (one > 0 ? `${(n / one).toFixed(2)}×` : 'n/a');
console.log(`\nServed at the limit (p99 ≤ ${P99_LIMIT_MS} ms, ≤ ${LOSS_LIMIT * 100} % lost): 1 engine ${one}`);
for (const [isolation, n] of two) console.log(`2 engines (main + ${isolation}): ${n}, ratio ${ratio(n)}`);
console.log(`Load average after: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
