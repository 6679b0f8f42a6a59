// Mixer engine micro-benchmark: listeners per core with and without shared encoders.
// Run: node --import tsx bench/mixer.ts
// Scenario: 24 loops, 6 talkers (one per loop, loops 0..5, continuous speech-band tones), N listeners
// each monitoring 8 random loops (seeded); 70 % of loop volumes at 100, the rest at 50 or 75; the 6
// talkers are also listeners (own SSRC excluded). A second shared run uses uniform volumes (everyone
// at 100: the best case for sharing). CPU time is measured with process.cpuUsage.
import { MixerEngine } from '../src/media/mixer/index.js';
import { FRAME_SAMPLES, OpusFrameEncoder } from '../src/media/opus.js';
import { tone } from '../testkit/signal/index.js';

const LOOPS = 24;
const TALKERS = 6;
const MONITORED = 8;
const SIZES = [60, 250, 500];
const TICK_MS = 20;

let seed = 12345;
function rand(): number {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}

/** 50 pre-encoded frames per talker, replayed with advancing sequence numbers and timestamps. */
function talkerFrames(): Buffer[][] {
  return Array.from({ length: TALKERS }, (_, t) => {
    const enc = new OpusFrameEncoder();
    return Array.from({ length: 50 }, (_, i) =>
      enc.encode(tone({ frequency: 200 + 150 * t, dbfs: -18, samples: FRAME_SAMPLES, startSample: i * FRAME_SAMPLES })),
    );
  });
}

function setup(listeners: number, share: boolean, uniform = false): MixerEngine {
  seed = 12345; // same listener configuration for both variants
  const engine = new MixerEngine({ shareEncoders: share, playout: { targetFrames: 1 } });
  for (let l = 0; l < listeners; l++) {
    const loops = new Set<number>();
    if (l < TALKERS) loops.add(l); // talkers monitor their own loop
    while (loops.size < MONITORED) loops.add(Math.floor(rand() * LOOPS));
    const volumes: Record<string, number> = {};
    for (const loop of loops) volumes[`loop${loop}`] = uniform || rand() < 0.7 ? 100 : rand() < 0.5 ? 50 : 75;
    engine.setListener(`l${l}`, { volumes, ...(l < TALKERS ? { ssrc: 70000 + l } : {}) });
  }
  return engine;
}

interface Result {
  cpuMsPerTick: number;
  encodesPerTick: number;
  decodesPerTick: number;
  listenersPerCore: number;
}

function measure(frames: Buffer[][], listeners: number, share: boolean, ticks: number, uniform = false): Result {
  const engine = setup(listeners, share, uniform);
  let n = 0;
  const step = (): void => {
    for (let t = 0; t < TALKERS; t++) {
      const payload = frames[t]?.[n % 50] as Buffer;
      engine.push(`loop${t}`, { ssrc: 70000 + t, sequenceNumber: n & 0xffff, timestamp: (n * FRAME_SAMPLES) >>> 0, payload }, n * TICK_MS);
    }
    engine.tick();
    n++;
  };
  for (let i = 0; i < 25; i++) step(); // warm-up: playout start, encoder creation, JIT
  const c0 = { ...engine.counters };
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < ticks; i++) step();
  const cpu = process.cpuUsage(cpu0);
  const cpuMsPerTick = (cpu.user + cpu.system) / 1000 / ticks;
  const r = {
    cpuMsPerTick,
    encodesPerTick: (engine.counters.encodes - c0.encodes) / ticks,
    decodesPerTick: (engine.counters.decodes - c0.decodes) / ticks,
    listenersPerCore: (listeners * TICK_MS) / cpuMsPerTick,
  };
  engine.close();
  return r;
}

function idleCostUs(listeners: number): number {
  const engine = setup(listeners, true);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 10_000; i++) engine.tick();
  return Number(process.hrtime.bigint() - t0) / 1000 / 10_000;
}

const frames = talkerFrames();
const f = (x: number, d = 1): string => x.toFixed(d);
console.log(`# Mixer engine: ${LOOPS} loops, ${TALKERS} talkers, each listener monitors ${MONITORED} loops (node ${process.version})\n`);
console.log('| listeners | volumes | encoders | CPU ms/tick | encodes/tick | listeners/core | vs private |');
console.log('|---:|---|---|---:|---:|---:|---:|');
for (const n of SIZES) {
  const p = measure(frames, n, false, n >= 250 ? 40 : 100);
  const rows: [string, string, Result][] = [
    ['varied', 'private', p],
    ['varied', 'shared', measure(frames, n, true, 150)],
    ['uniform', 'shared', measure(frames, n, true, 150, true)],
  ];
  for (const [vol, enc, r] of rows) {
    console.log(
      `| ${n} | ${vol} | ${enc} | ${f(r.cpuMsPerTick, 2)} | ${f(r.encodesPerTick)} | ${f(r.listenersPerCore, 0)} | ` +
        `${f(r.listenersPerCore / p.listenersPerCore)}× |`,
    );
  }
}
console.log(`\nDecodes per tick: ${TALKERS} (each talker once, whatever the listener count).`);
console.log(`Idle engine (500 listeners, no talkers): ${f(idleCostUs(500), 2)} µs per tick (and the clock stops when idle).`);
