import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EncoderPool, KNEE, softLimit, volumeToDb, volumeToGain, type FrameEncoder } from '../../src/media/mixer/index.js';

describe('volume curve', () => {
  it('maps 0 to mute, 100 to unity, 50 to -12.04 dB (40*log10(v/100))', () => {
    expect(volumeToGain(0)).toBe(0);
    expect(volumeToGain(-5)).toBe(0);
    expect(volumeToGain(Number.NaN)).toBe(0);
    expect(volumeToGain(100)).toBe(1);
    expect(volumeToGain(150)).toBe(1);
    expect(volumeToDb(100)).toBe(0);
    expect(volumeToDb(50)).toBeCloseTo(-12.04, 2);
    expect(volumeToDb(25)).toBeCloseTo(-24.08, 2);
    expect(volumeToDb(10)).toBeCloseTo(-40, 6);
    expect(volumeToDb(1)).toBeCloseTo(-80, 6);
    expect(volumeToDb(0)).toBe(-Infinity);
  });

  it('is strictly monotonic over 0..100', () => {
    for (let v = 1; v <= 100; v++) expect(volumeToGain(v)).toBeGreaterThan(volumeToGain(v - 1));
  });
});

describe('soft limiter', () => {
  it('is transparent below the knee (-6 dBFS)', () => {
    const mix = Float32Array.from([0, 1.4, -1.6, 1000, -KNEE, KNEE]);
    const out = new Int16Array(mix.length);
    softLimit(mix, out);
    expect(Array.from(out)).toEqual([0, 1, -2, 1000, -Math.round(KNEE), Math.round(KNEE)]);
  });

  it('never exceeds full scale, is monotonic and odd-symmetric (property)', () => {
    fc.assert(
      fc.property(fc.float({ min: -400000, max: 400000, noNaN: true }), fc.float({ min: 0, max: 1000, noNaN: true }), (x, d) => {
        const out = new Int16Array(3);
        softLimit(Float32Array.from([x, x + d, -x]), out);
        expect(Math.abs(out[0] as number)).toBeLessThanOrEqual(32767);
        expect(out[1] as number).toBeGreaterThanOrEqual(out[0] as number);
        expect(out[2]).toBe(-(out[0] as number) || 0);
      }),
    );
  });

  it('compresses rather than clips: 2x full scale stays below full scale', () => {
    const out = new Int16Array(1);
    softLimit(Float32Array.from([65534]), out);
    expect(out[0]).toBeGreaterThan(30000);
    expect(out[0]).toBeLessThan(32767);
  });
});

class FakeEncoder implements FrameEncoder {
  static nextId = 0;
  readonly id = FakeEncoder.nextId++;
  encoded = 0;
  resets = 0;
  encode(): Buffer {
    this.encoded++;
    return Buffer.from([this.id]);
  }
  reset(): void {
    this.resets++;
  }
  close(): void {}
}

describe('EncoderPool continuity', () => {
  function tick(pool: EncoderPool, groups: [string, (string | undefined)[]][]): Map<string, { enc: FakeEncoder; how: string }> {
    const keys = new Set(groups.map(([k]) => k));
    pool.beginTick();
    const res = new Map<string, { enc: FakeEncoder; how: string }>();
    for (const [k, prev] of groups) {
      const r = pool.acquire(k, prev, keys);
      res.set(k, { enc: r.slot.encoder as FakeEncoder, how: r.how });
    }
    for (const { enc } of res.values()) enc.encode();
    for (const [k] of groups) {
      const slot = pool.acquire(k, [], keys).slot; // idempotent within a tick
      slot.hasPcm = true;
    }
    pool.endTick();
    return res;
  }

  it('keeps an encoder per key, lets a changed mix inherit it, and primes a split-off member', () => {
    const pool = new EncoderPool(() => new FakeEncoder());
    const t1 = tick(pool, [['A', [undefined, undefined]]]);
    expect(t1.get('A')?.how).toBe('fresh');
    const encA = t1.get('A')?.enc;
    expect(tick(pool, [['A', ['A', 'A']]]).get('A')?.enc).toBe(encA);
    // The whole group's mix changes (A -> B): B inherits A's encoder, streams stay continuous.
    const t3 = tick(pool, [['B', ['A', 'A']]]);
    expect(t3.get('B')).toEqual({ enc: encA, how: 'inherited' });
    // One member splits off to C while B continues: C gets a new encoder primed with B's last mix.
    const t4 = tick(pool, [['B', ['B']], ['C', ['B']]]);
    expect(t4.get('B')?.enc).toBe(encA);
    expect(t4.get('C')?.how).toBe('primed');
    expect(t4.get('C')?.enc.encoded).toBe(2); // one priming encode + the real one
    expect(pool.size).toEqual({ active: 2, created: 2 });
  });

  it('recycles unused encoders after a reset', () => {
    const pool = new EncoderPool(() => new FakeEncoder());
    const enc = tick(pool, [['A', [undefined]]]).get('A')?.enc;
    tick(pool, []); // silence: A is released
    expect(pool.size).toEqual({ active: 0, created: 1 });
    const again = tick(pool, [['Z', [undefined]]]).get('Z');
    expect(again).toEqual({ enc, how: 'fresh' });
    expect(enc?.resets).toBe(1);
    pool.close();
  });
});
