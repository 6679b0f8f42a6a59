// Mixing phases (docs/media.md "Mixing phases"): with 4 phases the engine ticks every 5 ms; a starting
// talker pops its frames on the first tick after its first frame is ready, a listener whose stream is
// silent takes that talker's phase, a running stream keeps its phase (outputs exactly 20 ms apart) and
// mixes every talker's frames exactly once, and listeners with one mix in one phase share one encode.
// A pass-through codec makes the mix readable: talker A writes its frame number into sample 0,
// talker B into sample 1, so every output says which frame of whom it carries.
import { describe, expect, it } from 'vitest';
import { MixerEngine, type CodecFactory, type MixOutput } from '../../src/media/mixer/index.js';
import { FRAME_SAMPLES } from '../../src/media/opus.js';

const BASE = 1000;

const passThrough: CodecFactory = {
  createEncoder: () => ({ encode: (pcm) => Buffer.from(pcm.slice().buffer), reset() {}, close() {} }),
  createDecoder: () => ({
    decode: (frame) => new Int16Array(frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength)),
    conceal: () => new Int16Array(FRAME_SAMPLES),
    close() {},
  }),
};

/** Talker `slot` (0 = A, 1 = B): frame n carries BASE + n in sample `slot`, 0 in the other marker sample. */
function packet(ssrc: number, slot: 0 | 1, n: number) {
  const pcm = new Int16Array(FRAME_SAMPLES).fill(1000);
  pcm[0] = 0;
  pcm[1] = 0;
  pcm[slot] = BASE + n;
  return { sequenceNumber: n, timestamp: n * FRAME_SAMPLES, ssrc, payload: Buffer.from(pcm.buffer) };
}

/** What an output carries: A's and B's frame numbers (undefined = that talker is not in it). */
function carried(out: MixOutput): { a: number | undefined; b: number | undefined } {
  const pcm = new Int16Array(out.frame.buffer.slice(out.frame.byteOffset, out.frame.byteOffset + out.frame.byteLength));
  const read = (v: number | undefined) => (v !== undefined && v >= BASE ? v - BASE : undefined);
  return { a: read(pcm[0]), b: read(pcm[1]) };
}

interface Sent {
  tick: number;
  atMs: number;
  out: MixOutput;
}

/**
 * Runs the engine on ticks of `tickMs` (5 ms: four phases) for `ticks` ticks. `talk` lists (ssrc, slot, loop, first arrival ms,
 * frames): frame n arrives at first + 20 n ms. Returns every output with its tick.
 */
function run(engine: MixerEngine, ticks: number, talk: Array<{ ssrc: number; slot: 0 | 1; loop: string; firstMs: number; frames: number }>, onTick?: (k: number) => void, tickMs = 5): Sent[] {
  const arrivals = talk.flatMap((t) => Array.from({ length: t.frames }, (_, n) => ({ at: t.firstMs + 20 * n, loop: t.loop, pkt: packet(t.ssrc, t.slot, n) })));
  arrivals.sort((x, y) => x.at - y.at);
  const sent: Sent[] = [];
  let next = 0;
  for (let k = 1; k <= ticks; k++) {
    const now = k * tickMs;
    for (; next < arrivals.length && (arrivals[next]?.at ?? Infinity) <= now; next++) {
      const a = arrivals[next];
      if (a) engine.push(a.loop, a.pkt, a.at);
    }
    onTick?.(k);
    for (const out of engine.tick(now).outputs) sent.push({ tick: k, atMs: now, out });
  }
  return sent;
}

function of(sent: Sent[], id: string): Sent[] {
  return sent.filter((s) => s.out.listenerIds.includes(id));
}

describe('mixing phases', () => {
  it('starts a spurt on the first 5 ms tick after its first frame is ready, and the silent listener takes that phase', () => {
    for (const phases of [1, 4]) {
      const engine = new MixerEngine({ codecs: passThrough, phases, tailFrames: 0 });
      engine.setListener('bob', { volumes: { a: 100 } });
      // Arrives at 6 ms; ready after the 3 ms margin (clean network), at 9 ms.
      const sent = run(engine, 160 / phases, [{ ssrc: 1, slot: 0, loop: 'a', firstMs: 6, frames: 5 }], undefined, 20 / phases);
      const bob = of(sent, 'bob');
      const first = bob[0] as Sent;
      if (phases === 4) expect(first.atMs).toBe(10); // the next 5 ms tick
      else expect(first.atMs).toBe(20); // one phase: the next 20 ms tick
      expect(carried(first.out).a).toBe(0);
      // Then one frame every 20 ms, in order, each once.
      // Then one frame every 20 ms, in order, each once (and 3 concealed holds before the spurt ends).
      expect(bob.map((s) => s.atMs - first.atMs)).toEqual([0, 20, 40, 60, 80, 100, 120, 140]);
      expect(bob.map((s) => carried(s.out).a)).toEqual([0, 1, 2, 3, 4, undefined, undefined, undefined]);
    }
  });

  it('keeps a running stream on its phase and mixes a talker of another phase into it, every frame once', () => {
    const engine = new MixerEngine({ codecs: passThrough, phases: 4, tailFrames: 2 });
    engine.setListener('both', { volumes: { a: 100, b: 100 } });
    engine.setListener('onlyB', { volumes: { b: 100 } });
    // A starts first (ready 4 ms → tick 1); B is ready at 47 ms → tick 10 (phase 2): another phase.
    const sent = run(engine, 120, [
      { ssrc: 1, slot: 0, loop: 'a', firstMs: 1, frames: 20 },
      { ssrc: 2, slot: 1, loop: 'b', firstMs: 44, frames: 10 },
    ]);
    const both = of(sent, 'both');
    const onlyB = of(sent, 'onlyB');
    // 'both' stays on A's phase from its first to its last packet (tail included): 20 ms apart, no gap.
    const ticks = both.map((s) => s.tick);
    expect(ticks[0]).toBe(1);
    for (let i = 1; i < ticks.length; i++) expect((ticks[i] as number) - (ticks[i - 1] as number)).toBe(4);
    // 'onlyB' was silent: it takes B's phase, a tick A's listeners do not use.
    expect(onlyB[0]?.tick).toBe(10);
    expect((onlyB[0]?.tick ?? 0) % 4).not.toBe(1);
    // Every frame of both talkers reaches 'both' exactly once, in order.
    const framesA = both.map((s) => carried(s.out).a).filter((n) => n !== undefined);
    const framesB = both.map((s) => carried(s.out).b).filter((n) => n !== undefined);
    expect(framesA).toEqual(Array.from({ length: 20 }, (_, n) => n));
    expect(framesB).toEqual(Array.from({ length: 10 }, (_, n) => n));
    expect(onlyB.map((s) => carried(s.out).b).filter((n) => n !== undefined)).toEqual(Array.from({ length: 10 }, (_, n) => n));
    // B's frame reaches 'both' at A's phase: at most one frame (15 ms) after B's own phase.
    const firstB = both.find((s) => carried(s.out).b === 0);
    expect((firstB?.tick ?? 0) - 10).toBeGreaterThanOrEqual(0);
    expect((firstB?.tick ?? 99) - 10).toBeLessThan(4);
  });

  it('shares one encode among listeners with one mix in one phase, never across phases', () => {
    const engine = new MixerEngine({ codecs: passThrough, phases: 4, tailFrames: 0 });
    for (const id of ['a1', 'a2', 'a3']) engine.setListener(id, { volumes: { a: 100 } });
    for (const id of ['b1', 'b2']) engine.setListener(id, { volumes: { b: 100 } });
    const sent = run(engine, 200, [
      { ssrc: 1, slot: 0, loop: 'a', firstMs: 1, frames: 30 },
      { ssrc: 2, slot: 1, loop: 'b', firstMs: 12, frames: 30 },
    ]);
    // One output (one encode) per talker per frame (30 frames, then 3 concealed holds), each for all of
    // that talker's listeners.
    const mixes = sent.filter((s) => s.out.kind === 'mix');
    expect(mixes.filter((s) => s.out.listenerIds.join() === 'a1,a2,a3')).toHaveLength(33);
    expect(mixes.filter((s) => s.out.listenerIds.join() === 'b1,b2')).toHaveLength(33);
    expect(mixes).toHaveLength(66);
    expect(engine.counters.encodes).toBe(66);
    expect(engine.counters.sharedHits).toBe(33 * 2 + 33 * 1);
    // The two groups mix on different ticks (phases 1 and 3: A ready at 4 ms, B at 15 ms).
    expect(new Set(mixes.filter((s) => s.out.listenerIds.includes('a1')).map((s) => s.tick % 4))).toEqual(new Set([1]));
    expect(new Set(mixes.filter((s) => s.out.listenerIds.includes('b1')).map((s) => s.tick % 4))).toEqual(new Set([3]));
    // Decoded once per frame, whatever the listeners.
    expect(engine.counters.decodes).toBe(60);
    expect(engine.counters.conceals).toBe(6);
    // Two encoders: one per (phase, mix).
    expect(engine.encoderCount.created).toBe(2);
  });

  it('sends the silence tail on the stream\'s phase, then stops: idle again, and the next spurt may take another phase', () => {
    const engine = new MixerEngine({ codecs: passThrough, phases: 4, tailFrames: 5 });
    engine.setListener('bob', { volumes: { a: 100 } });
    let idleAt: number | undefined;
    const sent = run(engine, 120, [{ ssrc: 1, slot: 0, loop: 'a', firstMs: 1, frames: 4 }], (k) => {
      if (k > 2 && idleAt === undefined && engine.idle) idleAt = k;
    });
    const bob = of(sent, 'bob');
    expect(bob.filter((s) => s.out.kind === 'mix')).toHaveLength(4 + 3); // 4 frames + 3 concealed holds
    expect(bob.filter((s) => s.out.kind === 'tail')).toHaveLength(5);
    const ticks = bob.map((s) => s.tick);
    for (let i = 1; i < ticks.length; i++) expect((ticks[i] as number) - (ticks[i - 1] as number)).toBe(4);
    expect(idleAt).toBeDefined();
    // A new spurt of the same talker (new timestamps far ahead) starts on the phase of its own readiness.
    const engine2 = new MixerEngine({ codecs: passThrough, phases: 4, tailFrames: 1 });
    engine2.setListener('bob', { volumes: { a: 100 } });
    const talk2 = run(engine2, 200, [
      { ssrc: 1, slot: 0, loop: 'a', firstMs: 1, frames: 3 },
      { ssrc: 3, slot: 0, loop: 'a', firstMs: 502, frames: 3 },
    ]);
    const phasesUsed = of(talk2, 'bob').filter((s) => s.out.kind === 'mix').map((s) => s.tick % 4);
    expect(new Set(phasesUsed.slice(0, 3))).toEqual(new Set([1])); // ready at 4 ms → tick 1
    expect(carried(of(talk2, 'bob').find((s) => s.atMs > 500)?.out as MixOutput).a).toBe(0);
    expect(of(talk2, 'bob').find((s) => s.atMs > 500)?.atMs).toBe(505); // ready at 505 → tick at 505 ms
  });

  it('starts a silent listener who joins a playing talker at that talker\'s phase', () => {
    const engine = new MixerEngine({ codecs: passThrough, phases: 4, tailFrames: 0 });
    engine.setListener('bob', { volumes: { a: 100 } });
    engine.setListener('late', {});
    const sent = run(engine, 80, [{ ssrc: 1, slot: 0, loop: 'a', firstMs: 11, frames: 15 }], (k) => {
      if (k === 30) engine.setVolume('late', 'a', 100);
    });
    const bobPhase = (of(sent, 'bob')[0]?.tick ?? 0) % 4;
    const late = of(sent, 'late');
    expect(late.length).toBeGreaterThan(5);
    expect(new Set(late.map((s) => s.tick % 4))).toEqual(new Set([bobPhase]));
    // It shares bob's encode from its first frame on.
    expect(late.every((s) => s.out.listenerIds.includes('bob'))).toBe(true);
  });
});
