// DownlinkRewriter: one continuous outgoing stream from switching sources (sans-I/O, fake clock).
import { describe, expect, it } from 'vitest';
import { DownlinkRewriter } from '../../src/media/edge/downlink-rewriter.js';
import type { RtpPacket } from '../../src/media/rtp.js';

const pkt = (ssrc: number, sequenceNumber: number, timestamp: number, marker = false): RtpPacket => ({
  payloadType: 111,
  sequenceNumber,
  timestamp,
  ssrc,
  marker,
  payload: Buffer.from([1, 2, 3]),
});

function setup(): { rw: DownlinkRewriter; clock: { t: number } } {
  const clock = { t: 1000 };
  const rw = new DownlinkRewriter({ ssrc: 0xabcdef01, now: () => clock.t, initialSequence: 65534, initialTimestamp: 4294966336 });
  return { rw, clock };
}

describe('DownlinkRewriter', () => {
  it('starts at the initial values with its own SSRC and PT 100, and wraps', () => {
    const { rw, clock } = setup();
    const first = pkt(5, 100, 5000);
    const a = rw.rewrite(first);
    clock.t += 20;
    const b = rw.rewrite(pkt(5, 101, 5960));
    clock.t += 20;
    const c = rw.rewrite(pkt(5, 102, 6920));
    expect([a.sequenceNumber, b.sequenceNumber, c.sequenceNumber]).toEqual([65534, 65535, 0]);
    expect([a.timestamp, b.timestamp, c.timestamp]).toEqual([4294966336, 0, 960]);
    expect(a.ssrc).toBe(0xabcdef01);
    expect(a.payloadType).toBe(100);
    expect(a.marker).toBe(true);
    expect(b.marker).toBe(false);
    expect(a.payload).toBe(first.payload); // shared, not copied
  });

  it('keeps the source deltas: loss stays a gap, DTX timestamp jumps pass through, reorder maps back', () => {
    const { rw, clock } = setup();
    const out = [pkt(5, 10, 0), pkt(5, 12, 1920), pkt(5, 11, 960), pkt(5, 13, 48000)].map((p) => {
      clock.t += 20;
      return rw.rewrite(p);
    });
    const base = out[0] as RtpPacket;
    expect(out.map((p) => (p.sequenceNumber - base.sequenceNumber) & 0xffff)).toEqual([0, 2, 1, 3]);
    expect(out.map((p) => (p.timestamp - base.timestamp) >>> 0)).toEqual([0, 1920, 960, 48000]);
  });

  it('on a source switch continues seq+1 and advances ts by the elapsed wall time in whole frames', () => {
    const { rw, clock } = setup();
    const a = rw.rewrite(pkt(1, 500, 90000));
    clock.t += 20;
    const b = rw.rewrite(pkt(1, 501, 90960));
    clock.t += 1000; // a one-second pause (DTX / nobody talking), then another encoder takes over
    const c = rw.rewrite(pkt(2, 7, 123));
    clock.t += 20;
    const d = rw.rewrite(pkt(2, 8, 1083));
    expect((c.sequenceNumber - b.sequenceNumber) & 0xffff).toBe(1);
    expect((c.timestamp - b.timestamp) >>> 0).toBe(50 * 960);
    expect(c.marker).toBe(true);
    expect((d.sequenceNumber - c.sequenceNumber) & 0xffff).toBe(1);
    expect((d.timestamp - c.timestamp) >>> 0).toBe(960);
    expect(d.marker).toBe(false);
    expect(a.ssrc).toBe(d.ssrc);
  });

  it('advances at least one frame on an immediate switch and resyncs on a wild jump of one source', () => {
    const { rw, clock } = setup();
    const a = rw.rewrite(pkt(1, 1, 0));
    const b = rw.rewrite(pkt(2, 9, 9)); // same instant, different source
    expect((b.timestamp - a.timestamp) >>> 0).toBe(960);
    clock.t += 40;
    const c = rw.rewrite(pkt(2, 30000, 9)); // source restarted: treated as a switch
    expect((c.sequenceNumber - b.sequenceNumber) & 0xffff).toBe(1);
    expect((c.timestamp - b.timestamp) >>> 0).toBe(2 * 960);
    expect(c.marker).toBe(true);
  });
});
