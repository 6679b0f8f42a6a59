// Adaptive playout (docs/media.md "Playout policy"): start a spurt as soon as its first frame is a few
// ms old, wait for a late frame instead of skipping it (and deepen the buffer), skip a lost one without
// adding delay, and fall back after a quiet period. Times are explicit (tick(nowMs)).
import { describe, expect, it } from 'vitest';
import { PlayoutBuffer, PlayoutPolicy, type PlayoutOutput } from '../../src/media/playout/index.js';

const TS = 960;
const pkt = (seq: number) => ({ sequenceNumber: seq, timestamp: 5000 + seq * TS, ssrc: 9, payload: Buffer.from(`p${seq}`) });
const label = (o: PlayoutOutput): string => (o.kind === 'frame' ? o.payload.toString() : o.kind === 'conceal' ? 'C' : 'S');

describe('PlayoutPolicy', () => {
  it('waits margin + max(relative delay, jitterFactor × jitter); the target rises on late frames and relaxes after a quiet period', () => {
    const p = new PlayoutPolicy({ marginMs: 3, jitterFactor: 2, relaxMs: 1000, maxTargetFrames: 3 });
    expect(p.delayMs(0)).toBe(3);
    expect(p.delayMs(4)).toBe(11);
    expect(p.delayMs(500)).toBe(3 + 40); // capped at the largest target
    p.late(0);
    expect(p.target).toBe(2);
    // A late frame deepens the buffer, but the next spurt waits only what frames were seen to lag.
    expect(p.delayMs(0)).toBe(3);
    p.observe(7);
    p.observe(4);
    expect(p.delayMs(0)).toBe(10);
    expect(p.delayMs(6)).toBe(15); // the jitter wait when it is larger
    p.observe(90);
    expect(p.delayMs(0)).toBe(43); // capped
    p.late(10);
    p.late(20);
    expect(p.target).toBe(3); // capped
    p.relax(500);
    expect(p.target).toBe(3);
    p.relax(1020);
    expect(p.target).toBe(2);
    p.relax(1500);
    expect(p.target).toBe(2);
    p.relax(2020);
    expect(p.target).toBe(1);
  });

  it('takes the 97th percentile of the last 200 frames: one hiccup does not slow every later start, a pattern does', () => {
    const p = new PlayoutPolicy({ marginMs: 3, maxTargetFrames: 5 });
    for (let i = 0; i < 200; i++) p.observe(i % 50 === 0 ? 40 : 5); // 4 hiccups in 200 frames (2 %)
    expect(p.delayMs(0)).toBe(8);
    for (let i = 0; i < 200; i++) p.observe(i % 20 === 0 ? 40 : 5); // 10 in 200 (5 %): waited for
    expect(p.delayMs(0)).toBe(43);
    for (let i = 0; i < 200; i++) p.observe(2); // the old frames leave the window
    expect(p.delayMs(0)).toBe(5);
  });

  it('a configured minimum target above one frame stays a floor for the wait', () => {
    expect(new PlayoutPolicy({ minTargetFrames: 2, marginMs: 3 }).delayMs(0)).toBe(23);
  });
});

describe('PlayoutBuffer with explicit time', () => {
  it('starts a spurt at the first tick where its first frame is margin old, not a period later', () => {
    const b = new PlayoutBuffer({ marginMs: 3 });
    b.push(pkt(0), 1000);
    expect(b.startsInMs(1000)).toBe(3);
    expect(label(b.tick(1001))).toBe('S');
    expect(b.startsInMs(1001.5)).toBeCloseTo(1.5, 6);
    expect(label(b.tick(1003.2))).toBe('p0');
    b.push(pkt(1), 1020);
    expect(label(b.tick(1023.2))).toBe('p1');
  });

  it('waits for a late frame (one concealment), plays it, and deepens the buffer by a frame', () => {
    const b = new PlayoutBuffer({ marginMs: 3 });
    b.push(pkt(0), 0);
    expect(label(b.tick(3))).toBe('p0');
    // p1 is due at 23 but arrives at 30 (7 ms late).
    expect(label(b.tick(23))).toBe('C');
    b.push(pkt(1), 30);
    expect(label(b.tick(43))).toBe('p1');
    b.push(pkt(2), 40);
    expect(label(b.tick(63))).toBe('p2');
    expect(b.stats).toMatchObject({ held: 1, concealed: 1, late: 0, target: 2 });
  });

  it('skips a lost frame with one concealment and no added delay', () => {
    const b = new PlayoutBuffer({ marginMs: 3 });
    b.push(pkt(0), 0);
    const out = [label(b.tick(3))];
    out.push(label(b.tick(23))); // p1 lost
    b.push(pkt(2), 40);
    out.push(label(b.tick(43)));
    b.push(pkt(3), 60);
    out.push(label(b.tick(63)));
    expect(out).toEqual(['p0', 'C', 'p2', 'p3']);
    expect(b.stats).toMatchObject({ concealed: 1, lost: 1, target: 1 });
  });

  it('counts a frame that arrives after it was skipped as late and raises the target for the next spurt', () => {
    const b = new PlayoutBuffer({ marginMs: 3, concealLimit: 3 });
    b.push(pkt(0), 0);
    b.tick(3);
    b.tick(23); // hold for p1
    b.push(pkt(2), 40);
    b.tick(43); // p2: p1 taken as lost
    expect(b.push(pkt(1), 45)).toBe('late');
    expect(b.stats.target).toBe(2);
    expect(b.startsInMs(45)).toBeUndefined();
  });

  it('waits longer before a spurt when the measured jitter is high', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const run = (jitterMs: number): { startsIn: number; jitter: number; target: number } => {
      const b = new PlayoutBuffer({ marginMs: 3, jitterFactor: 2, concealLimit: 0 });
      for (let s = 0; s < 100; s++) b.push(pkt(s), s * 20 + rand() * jitterMs);
      for (let i = 0; i < 120; i++) b.tick(i * 20 + 25);
      b.push(pkt(200), 200 * 20); // next spurt, after a pause (timestamp jump = real pause)
      const { jitterMs: jitter, target } = b.stats;
      return { startsIn: b.startsInMs(200 * 20) ?? NaN, jitter, target };
    };
    const steady = run(0);
    const jittery = run(20);
    expect(steady.startsIn).toBeCloseTo(3, 6);
    expect(jittery.jitter).toBeGreaterThan(3);
    // Waits for the peak relative delay it saw (frames arrived up to 20 ms late), at least 2 × jitter.
    expect(jittery.startsIn).toBeGreaterThanOrEqual(3 + 2 * jittery.jitter - 1e-6);
    expect(jittery.startsIn).toBeGreaterThan(3 + 15);
    expect(jittery.startsIn).toBeLessThanOrEqual(3 + 20 + 1e-6);
    expect(jittery.startsIn).toBeGreaterThan(steady.startsIn + 5);
  });
});
