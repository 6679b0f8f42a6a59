import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isRtcp, parseRtp, serializeRtp, type RtpPacket } from '../../src/media/rtp.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('RTP', () => {
  it('parses a plain packet from bytes', () => {
    // V=2, M=1, PT=100, seq=0x1234, ts=0xdeadbeef, ssrc=0x01020304, payload aa bb cc
    const p = parseRtp(hex('80 e4 1234 deadbeef 01020304 aabbcc'));
    expect(p).toEqual({
      payloadType: 100, marker: true, sequenceNumber: 0x1234, timestamp: 0xdeadbeef, ssrc: 0x01020304,
      payload: hex('aabbcc'),
    });
  });

  it('serializes to the exact bytes and round-trips', () => {
    const pkt: RtpPacket = {
      payloadType: 100, marker: false, sequenceNumber: 65535, timestamp: 4294967295, ssrc: 66001,
      payload: hex('0102'),
    };
    const bytes = serializeRtp(pkt);
    expect(bytes.toString('hex')).toBe('8064ffffffffffff000101d10102');
    expect(parseRtp(bytes)).toEqual(pkt);
  });

  it('skips CSRCs, a header extension and padding', () => {
    // CC=2, X=1, P=1: two CSRCs, extension (profile bede, 1 word), payload 'cafe', 3 padding bytes.
    const p = parseRtp(hex('b2 64 0001 00000960 0000abcd 11111111 22222222 bede0001 10ff0000 cafe 000003'));
    expect(p?.payload.toString('hex')).toBe('cafe');
    expect(p?.ssrc).toBe(0xabcd);
  });

  it('returns a view of the payload, not a copy', () => {
    const buf = hex('8064 0001 00000000 00000001 aabb');
    const p = parseRtp(buf);
    expect(p?.payload.buffer).toBe(buf.buffer);
  });

  it.each([
    ['too short', '8064000100000000000000'],
    ['version 1', '4064 0001 00000000 00000001 aa'],
    ['version 0', '0064 0001 00000000 00000001 aa'],
    ['CSRC list beyond end', '8364 0001 00000000 00000001 11111111'],
    ['extension header beyond end', '9064 0001 00000000 00000001 bede'],
    ['extension body beyond end', '9064 0001 00000000 00000001 bede0002 00000000'],
    ['padding count zero', 'a064 0001 00000000 00000001 aa00'],
    ['padding longer than payload', 'a064 0001 00000000 00000001 aa05'],
    ['RTCP receiver report', '81c9 0007 00000001 00000002'],
  ])('rejects %s', (_name, bytes) => {
    expect(parseRtp(hex(bytes))).toBeUndefined();
  });

  it('accepts an empty payload and padding that consumes the whole payload', () => {
    expect(parseRtp(hex('8064 0001 00000000 00000001'))?.payload.length).toBe(0);
    expect(parseRtp(hex('a064 0001 00000000 00000001 0002'))?.payload.length).toBe(0);
  });

  it('demultiplexes RTCP per RFC 5761', () => {
    expect(isRtcp(hex('80c8 0006 00000001'))).toBe(true); // SR (200)
    expect(isRtcp(hex('81c9 0007 00000001'))).toBe(true); // RR (201)
    expect(isRtcp(hex('80df 0000 00000001'))).toBe(true); // 223
    expect(isRtcp(hex('80e4 0001 00000000 00000001'))).toBe(false); // RTP PT 100 with marker
    expect(isRtcp(hex('80bf 0001'))).toBe(false); // 191
    expect(isRtcp(hex('80e0 0001'))).toBe(false); // 224
    expect(isRtcp(hex('40c8 0006'))).toBe(false); // wrong version
    expect(isRtcp(hex('80c8'))).toBe(false); // too short
  });

  it('never throws on arbitrary bytes (fuzz)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const p = parseRtp(Buffer.from(bytes));
        if (p) expect(p.payload.length).toBeLessThanOrEqual(bytes.length - 12);
      }),
      { numRuns: 5000 },
    );
  });

  it('never throws on RTP-looking bytes with random flags (fuzz)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ minLength: 11, maxLength: 60 }), (b0, rest) => {
        const buf = Buffer.concat([Buffer.from([0x80 | (b0 & 0x3f)]), Buffer.from(rest)]);
        parseRtp(buf);
        isRtcp(buf);
      }),
      { numRuns: 5000 },
    );
  });

  it('round-trips any valid packet (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          payloadType: fc.integer({ min: 0, max: 127 }).filter((pt) => pt < 64 || pt > 95),
          sequenceNumber: fc.integer({ min: 0, max: 0xffff }),
          timestamp: fc.integer({ min: 0, max: 0xffffffff }),
          ssrc: fc.integer({ min: 0, max: 0xffffffff }),
          marker: fc.boolean(),
          payload: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
        }),
        (pkt) => {
          expect(parseRtp(serializeRtp(pkt))).toEqual(pkt);
        },
      ),
    );
  });
});
