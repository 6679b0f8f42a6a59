import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PlayoutBuffer, type PlayoutOutput } from '../../src/media/playout/index.js';
import { seqAdd, tsAdd } from '../../src/media/rtp/sequence.js';

const TS = 960;

/** Packet whose payload names it, so outputs read as 'p<seq>'. */
function pkt(seq: number, ts = seq * TS, ssrc = 1): { sequenceNumber: number; timestamp: number; ssrc: number; payload: Buffer } {
  return { sequenceNumber: seqAdd(0, seq), timestamp: tsAdd(0, ts), ssrc, payload: Buffer.from(`p${seq}`) };
}

const label = (o: PlayoutOutput): string => (o.kind === 'frame' ? o.payload.toString() : o.kind === 'conceal' ? 'C' : 'S');
const ticks = (b: PlayoutBuffer, n: number): string[] => Array.from({ length: n }, () => label(b.tick()));

describe('PlayoutBuffer', () => {
  it('plays a steady stream after target depth, then ends the spurt after a few missing frames', () => {
    const b = new PlayoutBuffer({ targetFrames: 2, concealLimit: 3 });
    const out: string[] = [];
    for (let i = 0; i < 5; i++) {
      b.push(pkt(i), i * 20);
      out.push(label(b.tick()));
    }
    out.push(...ticks(b, 6));
    expect(out).toEqual(['S', 'p0', 'p1', 'p2', 'p3', 'p4', 'C', 'C', 'C', 'S', 'S']);
    expect(b.idle).toBe(true);
    expect(b.stats).toMatchObject({ received: 5, played: 5, lost: 0, concealed: 3, late: 0, duplicate: 0 });
  });

  it('starts a short spurt after waiting targetFrames ticks even if fewer frames arrive', () => {
    const b = new PlayoutBuffer({ targetFrames: 2, concealLimit: 0 });
    b.push(pkt(0), 0);
    expect(ticks(b, 4)).toEqual(['S', 'p0', 'S', 'S']);
  });

  it('with target 1 plays on the first tick after arrival', () => {
    const b = new PlayoutBuffer({ targetFrames: 1, concealLimit: 0 });
    b.push(pkt(7), 0);
    expect(ticks(b, 2)).toEqual(['p7', 'S']);
  });

  it('reorders packets', () => {
    const b = new PlayoutBuffer({ targetFrames: 3 });
    for (const s of [0, 2, 1, 4, 3]) b.push(pkt(s), 0);
    expect(ticks(b, 5)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
    expect(b.stats.lost).toBe(0);
  });

  it('conceals a lost packet and counts it', () => {
    const b = new PlayoutBuffer({ targetFrames: 2, maxFrames: 8 });
    for (const s of [0, 1, 3, 4]) b.push(pkt(s), 0);
    expect(ticks(b, 5)).toEqual(['p0', 'p1', 'C', 'p3', 'p4']);
    expect(b.stats).toMatchObject({ lost: 1, concealed: 1 });
  });

  it('drops duplicates, before and after playout', () => {
    const b = new PlayoutBuffer({ targetFrames: 1 });
    expect(b.push(pkt(0), 0)).toBe('buffered');
    expect(b.push(pkt(1), 0)).toBe('buffered');
    expect(b.push(pkt(1), 1)).toBe('duplicate');
    expect(ticks(b, 1)).toEqual(['p0']);
    expect(b.push(pkt(0), 25)).toBe('duplicate');
    expect(ticks(b, 1)).toEqual(['p1']);
    expect(b.stats).toMatchObject({ duplicate: 2, received: 4, lost: 0 });
  });

  it('drops packets that arrive after their frame was concealed', () => {
    const b = new PlayoutBuffer({ targetFrames: 1 });
    b.push(pkt(0), 0);
    b.push(pkt(2), 0);
    expect(ticks(b, 2)).toEqual(['p0', 'C']);
    expect(b.push(pkt(1), 50)).toBe('late');
    expect(ticks(b, 1)).toEqual(['p2']);
    expect(b.stats).toMatchObject({ late: 1, lost: 0, concealed: 1 });
  });

  it('handles sequence number wrap-around', () => {
    const b = new PlayoutBuffer({ targetFrames: 2, maxFrames: 8 });
    const seqs = [65533, 65534, 65535, 65536, 65537];
    for (const s of seqs) b.push(pkt(s, (s - 65533) * TS), 0);
    expect(ticks(b, 5)).toEqual(['p65533', 'p65534', 'p65535', 'p65536', 'p65537']);
    expect(b.stats.lost).toBe(0);
  });

  it('handles timestamp wrap-around', () => {
    const b = new PlayoutBuffer({ targetFrames: 2, maxFrames: 8 });
    const base = 0x100000000 - 2 * TS;
    for (let i = 0; i < 4; i++) b.push(pkt(i, base + i * TS), 0);
    expect(ticks(b, 4)).toEqual(['p0', 'p1', 'p2', 'p3']);
  });

  it('trims latency back to the target after a burst', () => {
    const b = new PlayoutBuffer({ targetFrames: 1, maxFrames: 3 });
    b.push(pkt(0), 0);
    b.push(pkt(1), 0);
    expect(ticks(b, 1)).toEqual(['p0']);
    for (let s = 2; s < 10; s++) b.push(pkt(s), 200); // network stall, then burst
    expect(ticks(b, 3)).toEqual(['p9', 'C', 'C']);
    expect(b.stats.trimmed).toBe(8);
  });

  it('starts a new spurt after DTX silence without calling it late or lost', () => {
    const b = new PlayoutBuffer({ targetFrames: 1, concealLimit: 2 });
    for (let s = 0; s < 3; s++) b.push(pkt(s), s * 20);
    expect(ticks(b, 6)).toEqual(['p0', 'p1', 'p2', 'C', 'C', 'S']);
    // DTX: sequence numbers continue, the timestamp jumps by 2 s.
    expect(b.push(pkt(3, 100 * TS), 2000)).toBe('buffered');
    b.push(pkt(4, 101 * TS), 2020);
    expect(ticks(b, 2)).toEqual(['p3', 'p4']);
    expect(b.stats).toMatchObject({ late: 0, lost: 0, restarts: 0 });
  });

  it('bridges a short DTX pause inside a spurt by timestamp', () => {
    const b = new PlayoutBuffer({ targetFrames: 1, concealLimit: 3 });
    b.push(pkt(0), 0);
    expect(ticks(b, 1)).toEqual(['p0']);
    b.push(pkt(1, 3 * TS), 60); // two frames not sent (DTX), sequence contiguous
    expect(ticks(b, 3)).toEqual(['C', 'C', 'p1']);
    expect(b.stats.lost).toBe(0);
  });

  it('restarts on a new SSRC', () => {
    const b = new PlayoutBuffer({ targetFrames: 1 });
    b.push(pkt(0), 0);
    b.push(pkt(1), 0);
    expect(ticks(b, 1)).toEqual(['p0']);
    b.push(pkt(500, 123456, 2), 30);
    expect(ticks(b, 1)).toEqual(['p500']);
    expect(b.stats.restarts).toBe(1);
  });

  it('restarts when the timestamp jumps far backwards (talker restarted, same SSRC)', () => {
    const b = new PlayoutBuffer({ targetFrames: 1 });
    for (let s = 0; s < 3; s++) b.push(pkt(s, 10_000_000 + s * TS), 0);
    expect(ticks(b, 3)).toEqual(['p0', 'p1', 'p2']);
    b.push(pkt(9000, 5000), 60);
    b.push(pkt(9001, 5000 + TS), 60);
    expect(ticks(b, 2)).toEqual(['p9000', 'p9001']);
    expect(b.stats).toMatchObject({ restarts: 1, late: 0 });
  });

  it('resyncs when a packet lands beyond the buffer capacity', () => {
    const b = new PlayoutBuffer({ targetFrames: 1 });
    b.push(pkt(0), 0);
    b.push(pkt(1), 0);
    expect(ticks(b, 1)).toEqual(['p0']);
    b.push(pkt(2, 1000 * TS), 20);
    expect(ticks(b, 1)).toEqual(['p2']);
    expect(b.stats.trimmed).toBe(1);
  });

  it('estimates jitter per RFC 3550', () => {
    const steady = new PlayoutBuffer();
    for (let s = 0; s < 50; s++) steady.push(pkt(s), s * 20);
    expect(steady.stats.jitterMs).toBeCloseTo(0, 6);
    const jittery = new PlayoutBuffer();
    for (let s = 0; s < 200; s++) jittery.push(pkt(s), s * 20 + (s % 2 ? 5 : 0));
    expect(jittery.stats.jitterMs).toBeGreaterThan(4);
    expect(jittery.stats.jitterMs).toBeLessThan(5.5);
  });

  it('never throws and keeps its depth bounded under random input (fuzz)', () => {
    const op = fc.oneof(
      fc.record({ seq: fc.integer({ min: 0, max: 0xffff }), tsFrames: fc.integer({ min: -100, max: 200 }), ssrc: fc.constantFrom(1, 2) }),
      fc.constant('tick' as const),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const b = new PlayoutBuffer();
        for (const o of ops) {
          if (o === 'tick') b.tick();
          else b.push(pkt(o.seq, o.tsFrames * TS, o.ssrc), 0);
          const { depth, lost } = b.stats;
          expect(depth).toBeGreaterThanOrEqual(0);
          expect(depth).toBeLessThanOrEqual(64);
          expect(lost).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 300 },
    );
  });
});
