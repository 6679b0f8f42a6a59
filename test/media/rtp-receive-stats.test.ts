// RTP receive statistics (RFC 3550 A.1, A.3, A.8), as the server's playout and the load tool use them:
// loss, jitter and stalls, across the 16-bit sequence and the 32-bit timestamp wrap.
import { describe, expect, it } from 'vitest';
import { FRAME_TS } from '../../src/media/opus.js';
import { lossPercent, RtpReceiveStats } from '../../src/media/rtp/receive-stats.js';
import { seqAdd, tsAdd } from '../../src/media/rtp/sequence.js';

const packet = (sequenceNumber: number, timestamp: number) => ({ sequenceNumber, timestamp });

describe('RtpReceiveStats', () => {
  it('counts sequence gaps as loss across the 16-bit wrap, and a DTX pause as none', () => {
    const s = new RtpReceiveStats({ jitter: 'spurt' });
    const before = s.counts();
    let ts = 0;
    for (let i = 0; i < 100; i++) {
      const seq = seqAdd(65500, i);
      ts += i === 50 ? FRAME_TS * 100 : FRAME_TS; // a 2 s pause: timestamp jumps, sequence does not
      if (i % 10 !== 3) s.record(packet(seq, ts), i * 20 + (i >= 50 ? 2000 : 0));
    }
    expect(s.counts()).toEqual({ expected: 100, received: 90, stalls: 0 });
    expect(s.lost).toBe(10);
    expect(lossPercent([before], [s.counts()])).toBeCloseTo(10, 5);
    expect(s.jitterMs).toBeCloseTo(0, 5);
  });

  it('measures interarrival jitter and stalls within a talk spurt', () => {
    const s = new RtpReceiveStats({ jitter: 'spurt' });
    for (let i = 0; i < 200; i++) s.record(packet(i, i * FRAME_TS), i * 20 + (i % 2 ? 5 : 0) + (i === 150 ? 70 : 0));
    expect(s.jitterMs).toBeGreaterThan(3);
    expect(s.stalls).toBe(1);
  });

  it('reads no jitter when the timestamp wraps at 2^32 inside a talk spurt (both modes)', () => {
    for (const jitter of ['spurt', 'every'] as const) {
      const s = new RtpReceiveStats({ jitter });
      const ts0 = 2 ** 32 - 5 * FRAME_TS;
      for (let i = 0; i < 10; i++) s.record(packet(seqAdd(65530, i), tsAdd(ts0, i * FRAME_TS)), i * 20);
      expect(s.jitterMs, jitter).toBeCloseTo(0, 6);
      expect(s.stalls).toBe(0);
      expect(s.lost).toBe(0);
    }
  });

  it('compares every arrival with the one before by default (RFC 3550 A.8)', () => {
    const steady = new RtpReceiveStats();
    for (let i = 0; i < 50; i++) steady.record(packet(i, i * FRAME_TS), i * 20);
    expect(steady.jitterMs).toBeCloseTo(0, 6);
    // Alternating ±5 ms: every |D| is 5 ms, so the estimate converges to 5 ms.
    const alternating = new RtpReceiveStats();
    for (let i = 0; i < 200; i++) alternating.record(packet(i, i * FRAME_TS), i * 20 + (i % 2 ? 5 : 0));
    expect(alternating.jitterMs).toBeGreaterThan(4.9);
    expect(alternating.jitterMs).toBeLessThan(5.01);
    // A pause whose timestamps match its duration is no jitter in this mode either.
    const paused = new RtpReceiveStats();
    paused.record(packet(1, 0), 0);
    paused.record(packet(2, 100 * FRAME_TS), 2000);
    expect(paused.jitterMs).toBeCloseTo(0, 6);
  });

  it('counts reordered and late packets as received, never as negative loss', () => {
    const s = new RtpReceiveStats();
    for (const seq of [65534, 0, 65535, 1, 3, 2, 5]) s.record(packet(seq, 0), 0);
    expect(s.expected).toBe(8); // 65534 … 5 across the wrap
    expect(s.received).toBe(7);
    expect(s.lost).toBe(1); // 4
  });

  it('ignores a stray packet far off the sequence, and follows a sender that restarted', () => {
    const s = new RtpReceiveStats();
    for (let i = 0; i < 10; i++) s.record(packet(100 + i, 0), 0);
    s.record(packet(40_000, 0), 0); // stray: not counted, does not move the sequence
    s.record(packet(110, 0), 0);
    expect(s.counts()).toEqual({ expected: 11, received: 11, stalls: 0 });
    // The sender restarts at 20 000: two packets in a row confirm it; the new base keeps the totals.
    s.record(packet(20_000, 0), 0);
    s.record(packet(20_001, 0), 0);
    s.record(packet(20_003, 0), 0);
    expect(s.expected).toBe(11 + 3);
    expect(s.lost).toBe(1);
  });

  it('keeps totals across restart() and does not measure a discontinuity as jitter', () => {
    const s = new RtpReceiveStats();
    for (const seq of [1, 2, 4]) s.record(packet(seq, seq * FRAME_TS), seq * 20);
    expect(s.lost).toBe(1);
    s.restart();
    s.record(packet(9000, 0), 10_000); // new base, timestamps unrelated to the old ones
    s.record(packet(9001, FRAME_TS), 10_020);
    expect(s.lost).toBe(1);
    expect(s.expected).toBe(4 + 2);
    expect(s.jitterMs).toBeCloseTo(0, 6);
    s.discontinuity();
    s.record(packet(9002, 5 * FRAME_TS), 10_040); // a resync jump: not an interarrival sample
    expect(s.jitterMs).toBeCloseTo(0, 6);
  });
});

describe('lossPercent', () => {
  it('sums many streams between two snapshots and is 0 when nothing was expected', () => {
    expect(lossPercent([], [])).toBe(0);
    const before = [{ expected: 10, received: 10, stalls: 0 }, { expected: 0, received: 0, stalls: 0 }];
    const after = [{ expected: 60, received: 55, stalls: 1 }, { expected: 50, received: 50, stalls: 0 }];
    expect(lossPercent(before, after)).toBeCloseTo(5, 6);
  });
});
