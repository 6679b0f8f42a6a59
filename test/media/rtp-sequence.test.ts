// The 16/32-bit modular arithmetic of RTP sequence numbers and timestamps, at and across the wrap.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SEQ_MOD, seqAdd, seqDiff, seqForward, TS_MOD, tsAdd, tsDiff, tsForward } from '../../src/media/rtp/sequence.js';

describe('sequence numbers (16 bit)', () => {
  it('add across the wrap, forwards and backwards', () => {
    expect(seqAdd(65535, 1)).toBe(0);
    expect(seqAdd(65534, 3)).toBe(1);
    expect(seqAdd(0, -1)).toBe(65535);
    expect(seqAdd(5, SEQ_MOD)).toBe(5);
    expect(seqAdd(0, 65536 * 3 + 7)).toBe(7);
  });

  it('measure the forward distance modulo 2^16', () => {
    expect(seqForward(65535, 0)).toBe(1);
    expect(seqForward(65500, 35)).toBe(71);
    expect(seqForward(10, 10)).toBe(0);
    expect(seqForward(1, 0)).toBe(65535);
  });

  it('tell newer from older by the half-range rule, at the edges', () => {
    expect(seqDiff(65535, 0)).toBe(1);
    expect(seqDiff(0, 65535)).toBe(-1);
    expect(seqDiff(0, 32767)).toBe(32767);
    expect(seqDiff(0, 32768)).toBe(-32768);
    expect(seqDiff(40000, 7231)).toBe(32767);
    expect(seqDiff(7, 7)).toBe(0);
  });

  it('undo each other for every pair (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: -32768, max: 32767 }), (seq, n) => {
        const to = seqAdd(seq, n);
        expect(to).toBeGreaterThanOrEqual(0);
        expect(to).toBeLessThan(SEQ_MOD);
        expect(seqDiff(seq, to)).toBe(n);
        expect(seqForward(seq, to)).toBe((n + SEQ_MOD) % SEQ_MOD);
      }),
    );
  });
});

describe('timestamps (32 bit)', () => {
  it('add across the wrap, forwards and backwards', () => {
    expect(tsAdd(TS_MOD - 960, 960)).toBe(0);
    expect(tsAdd(TS_MOD - 1, 961)).toBe(960);
    expect(tsAdd(0, -960)).toBe(TS_MOD - 960);
    expect(tsAdd(123, TS_MOD)).toBe(123);
  });

  it('measure forward and signed distances across the wrap', () => {
    expect(tsForward(TS_MOD - 480, 480)).toBe(960);
    expect(tsForward(960, 0)).toBe(TS_MOD - 960);
    expect(tsDiff(TS_MOD - 480, 480)).toBe(960);
    expect(tsDiff(480, TS_MOD - 480)).toBe(-960);
    expect(tsDiff(0, 2 ** 31 - 1)).toBe(2 ** 31 - 1);
    expect(tsDiff(0, 2 ** 31)).toBe(-(2 ** 31));
  });

  it('undo each other for every pair (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: TS_MOD - 1 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (ts, n) => {
        const to = tsAdd(ts, n);
        expect(to).toBeGreaterThanOrEqual(0);
        expect(to).toBeLessThan(TS_MOD);
        expect(tsDiff(ts, to)).toBe(n);
        expect(tsForward(ts, to)).toBe((n + TS_MOD) % TS_MOD);
      }),
    );
  });
});
