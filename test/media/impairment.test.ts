// A talker's uplink under loss, jitter and clock drift (issue 12 point 5), through the real mixer engine
// on a deterministic clock: 10 minutes of talk in well under a second. A pass-through codec numbers
// every frame, so each output tick tells which frame played and how late. Asserted: continuity (an
// output every tick: no gap > 20 ms other than concealment), bounded latency, no latency drift.
import { describe, expect, it } from 'vitest';
import { MixerEngine, type CodecFactory } from '../../src/media/mixer/index.js';
import { FRAME_SAMPLES } from '../../src/media/opus.js';
import { seqAdd, tsAdd } from '../../src/media/rtp/sequence.js';

const BASE = 1000;
const CONCEALED = -1;

/** PCM in, the same PCM out: sample 0 carries BASE + frame number, the rest a -24 dBFS level. */
const passThrough: CodecFactory = {
  createEncoder: () => ({ encode: (pcm) => Buffer.from(pcm.slice().buffer), reset() {}, close() {} }),
  createDecoder: () => ({
    decode: (frame) => new Int16Array(frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength)),
    conceal: () => new Int16Array(FRAME_SAMPLES).fill(100),
    close() {},
  }),
};

function framePcm(n: number): Buffer {
  const pcm = new Int16Array(FRAME_SAMPLES).fill(2000);
  pcm[0] = BASE + (n % 10_000);
  return Buffer.from(pcm.buffer);
}

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Impairment {
  loss: number;
  /** Extra one-way delay, uniform in [0, jitterMs] per packet: 40 = netem "delay 20ms 20ms" (±20 ms). */
  jitterMs: number;
  /** Sender clock error in parts per million (positive = sends faster). */
  ppm: number;
}

interface Result {
  /** Per output tick after the first: frame number played, or CONCEALED. */
  played: number[];
  latencies: Array<{ atMs: number; ms: number }>;
  gaps: number;
}

function talk(imp: Impairment, minutes: number, seed: number): Result {
  const engine = new MixerEngine({ codecs: passThrough });
  engine.setListener('bob', { volumes: { loop1: 100 } });
  const rand = mulberry32(seed);
  const frames = Math.round((minutes * 60_000) / 20);
  const period = 20 * (1 - imp.ppm / 1e6);
  // Arrivals in time order (jitter may reorder packets, as the network would).
  const arrivals: Array<{ at: number; n: number }> = [];
  for (let n = 0; n < frames; n++) {
    if (rand() < imp.loss) continue;
    arrivals.push({ at: n * period + 5 + rand() * imp.jitterMs, n });
  }
  arrivals.sort((a, b) => a.at - b.at);
  const result: Result = { played: [], latencies: [], gaps: 0 };
  let next = 0;
  let started = false;
  const lastArrival = arrivals.at(-1)?.at ?? 0;
  for (let k = 0; k * 20 < lastArrival; k++) {
    const now = k * 20 + 7; // the server clock's phase against the talker's
    while (next < arrivals.length && (arrivals[next]?.at ?? Infinity) <= now) {
      const { n, at } = arrivals[next++] as { n: number; at: number };
      engine.push('loop1', { sequenceNumber: seqAdd(0, n), timestamp: tsAdd(0, n * FRAME_SAMPLES), ssrc: 42, payload: framePcm(n) }, at);
    }
    const out = engine.tick(now).outputs.find((o) => o.kind === 'mix' && o.listenerIds.includes('bob'));
    if (!out) {
      if (started) result.gaps++;
      continue;
    }
    started = true;
    const first = new Int16Array(out.frame.buffer, out.frame.byteOffset, 1)[0] ?? 0;
    if (first < BASE) {
      result.played.push(CONCEALED);
      continue;
    }
    // Frame numbers repeat every 10 000 frames; the latest plausible one is the one played.
    const mod = first - BASE;
    const n = mod + 10_000 * Math.floor((now / period - mod) / 10_000);
    result.played.push(n);
    result.latencies.push({ atMs: now, ms: now - n * period });
  }
  return result;
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
}

function check(r: Result, imp: Impairment, maxLatencyMs: number): void {
  expect(r.played.length).toBeGreaterThan(1000);
  expect(r.gaps, 'ticks without output inside the talk').toBe(0);
  const concealed = r.played.filter((n) => n === CONCEALED).length / r.played.length;
  expect(concealed).toBeLessThanOrEqual(imp.loss * 1.5 + 0.02);
  const real = r.played.filter((n) => n !== CONCEALED);
  let disorder = 0;
  for (let i = 1; i < real.length; i++) if ((real[i] as number) <= (real[i - 1] as number)) disorder++;
  expect(disorder, 'frames played out of order or twice').toBe(0);
  const lat = r.latencies;
  const worst = Math.max(...lat.map((l) => l.ms));
  expect(worst).toBeLessThanOrEqual(maxLatencyMs);
  const end = lat.at(-1)?.atMs ?? 0;
  const early = mean(lat.filter((l) => l.atMs > 5_000 && l.atMs < 65_000).map((l) => l.ms));
  const late = mean(lat.filter((l) => l.atMs > end - 60_000).map((l) => l.ms));
  if (process.env.IMPAIRMENT_DEBUG) console.log(JSON.stringify({ imp, concealed, worst, early, late }));
  expect(Math.abs(late - early), `mean latency ${early.toFixed(1)} ms in minute 1, ${late.toFixed(1)} ms in the last`).toBeLessThan(12);
}

describe('talker uplink impairments (10 minutes of talk each)', () => {
  it('clean network: plays every frame at the lowest latency', () => {
    const imp = { loss: 0, jitterMs: 0, ppm: 0 };
    const r = talk(imp, 10, 1);
    check(r, imp, 30);
    expect(r.played.filter((n) => n === CONCEALED)).toEqual([]);
  });

  it('5 % loss: conceals the losses without gaps or added delay', () => {
    const imp = { loss: 0.05, jitterMs: 0, ppm: 0 };
    check(talk(imp, 10, 2), imp, 30);
  });

  it('±20 ms of jitter: adapts the target, no gap, latency bounded', () => {
    const imp = { loss: 0, jitterMs: 40, ppm: 0 };
    check(talk(imp, 10, 3), imp, 120);
  });

  it('5 % loss with ±20 ms jitter and a sender clock 100 ppm fast or slow: no drift', () => {
    for (const ppm of [100, -100]) {
      const imp = { loss: 0.05, jitterMs: 40, ppm };
      check(talk(imp, 10, 4 + ppm), imp, 130);
    }
  });
});
