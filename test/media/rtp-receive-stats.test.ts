// Downlink loss and jitter from RTP sequence numbers and timestamps.
import { describe, expect, it } from 'vitest';
import { lossPercent, RtpReceiveStats } from '../../bench/lib/rtp-stats.js';
import type { RtpPacket } from '../../src/media/rtp.js';

const packet = (sequenceNumber: number, timestamp: number): RtpPacket => ({ payloadType: 100, sequenceNumber, timestamp, ssrc: 1, marker: false, payload: Buffer.alloc(0) });

describe('RtpReceiveStats', () => {
  it('counts sequence gaps as loss across the 16-bit wrap, and a DTX pause as none', () => {
    const s = new RtpReceiveStats();
    const before = s.counts();
    let ts = 0;
    for (let i = 0; i < 100; i++) {
      const seq = (65500 + i) & 0xffff;
      ts += i === 50 ? 960 * 100 : 960; // a 2 s pause: timestamp jumps, sequence does not
      if (i % 10 !== 3) s.onPacket(packet(seq, ts), i * 20 + (i >= 50 ? 2000 : 0));
    }
    expect(s.counts()).toEqual({ expected: 100, received: 90, stalls: 0 });
    expect(lossPercent([before], [s.counts()])).toBeCloseTo(10, 5);
    expect(s.jitterMs).toBeCloseTo(0, 5);
    expect(s.stalls).toBe(0);
  });

  it('measures interarrival jitter and stalls within a talk spurt', () => {
    const s = new RtpReceiveStats();
    for (let i = 0; i < 200; i++) s.onPacket(packet(i, i * 960), i * 20 + (i % 2 ? 5 : 0) + (i === 150 ? 70 : 0));
    expect(s.jitterMs).toBeGreaterThan(3);
    expect(s.stalls).toBe(1);
  });
});
