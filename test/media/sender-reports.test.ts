// RTCP sender reports of a downlink and the round trip from the receiver reports that answer them
// (RFC 3550 §6.4.1): exact bytes, NTP conversion, the interval, and RTT checks against hostile LSR/DLSR.
import { describe, expect, it } from 'vitest';
import { DownlinkPacketizer, mediaTimestamp, ntpFromUnixMs, ntpMiddle, SenderReports } from '../../src/media/downlink/index.js';
import { parseReportBlocks } from '../../src/media/rtcp.js';

const T0 = Date.UTC(2026, 10, 30, 7, 0, 0, 250);
const noJitter = (max: number) => Math.floor(max / 2);

describe('NTP time', () => {
  it('counts from 1900 in 32.32 fixed point; LSR is its middle 32 bits', () => {
    expect(ntpFromUnixMs(0)).toEqual({ seconds: 2_208_988_800, fraction: 0 });
    expect(ntpFromUnixMs(1500)).toEqual({ seconds: 2_208_988_801, fraction: 2 ** 31 });
    const ntp = ntpFromUnixMs(T0);
    expect(ntpMiddle(ntp)).toBe((((ntp.seconds & 0xffff) << 16) | (ntp.fraction >>> 16)) >>> 0);
    expect(ntpMiddle(ntpFromUnixMs(T0 + 1000)) - ntpMiddle(ntp)).toBe(65_536);
  });
});

describe('SenderReports', () => {
  it('builds SR + SDES CNAME, word-aligned, with NTP, RTP timestamp and counts', () => {
    const reports = new SenderReports({ ssrc: 0xdeadbeef, cname: 'loopcast-abc', random: noJitter });
    const buf = reports.build({ rtpTimestamp: 123_456, packets: 7, octets: 700 }, T0, 0);
    expect(buf[0]).toBe(0x80);
    expect(buf[1]).toBe(200);
    expect((buf.readUInt16BE(2) + 1) * 4).toBe(28);
    expect(buf.readUInt32BE(4)).toBe(0xdeadbeef);
    const ntp = ntpFromUnixMs(T0);
    expect(buf.readUInt32BE(8)).toBe(ntp.seconds);
    expect(buf.readUInt32BE(12)).toBe(ntp.fraction);
    expect(buf.readUInt32BE(16)).toBe(123_456);
    expect(buf.readUInt32BE(20)).toBe(7);
    expect(buf.readUInt32BE(24)).toBe(700);
    const sdes = buf.subarray(28);
    expect(sdes[0]).toBe(0x81);
    expect(sdes[1]).toBe(202);
    expect((sdes.readUInt16BE(2) + 1) * 4).toBe(sdes.length);
    expect(sdes.length % 4).toBe(0);
    expect(sdes.readUInt32BE(4)).toBe(0xdeadbeef);
    expect(sdes[8]).toBe(1);
    expect(sdes.subarray(10, 10 + (sdes[9] as number)).toString()).toBe('loopcast-abc');
    expect(sdes[10 + (sdes[9] as number)]).toBe(0); // END
    expect(parseReportBlocks(buf)).toEqual([]); // an SR without blocks, not an RR about anyone
  });

  it('is due with the first packet, then every 0.5–1.5 × the interval', () => {
    const draws: number[] = [];
    const reports = new SenderReports({ ssrc: 1, cname: 'c', intervalMs: 2000, random: (max) => (draws.push(max), 0) });
    expect(reports.due(10_000)).toBe(true);
    reports.build({ rtpTimestamp: 0, packets: 1, octets: 1 }, T0, 10_000);
    expect(draws).toEqual([2000]);
    expect(reports.due(10_999)).toBe(false);
    expect(reports.due(11_000)).toBe(true);
    const late = new SenderReports({ ssrc: 1, cname: 'c', intervalMs: 2000, random: (max) => max - 1 });
    late.build({ rtpTimestamp: 0, packets: 1, octets: 1 }, T0, 0);
    expect(late.due(2998)).toBe(false);
    expect(late.due(2999)).toBe(true);
  });

  it('round trip = A − LSR − DLSR for an LSR it sent', () => {
    const reports = new SenderReports({ ssrc: 1, cname: 'c', random: noJitter });
    reports.build({ rtpTimestamp: 0, packets: 1, octets: 1 }, T0, 0);
    const lsr = ntpMiddle(ntpFromUnixMs(T0));
    // The client held the SR 500 ms; the answer arrives 520 ms after sending: 20 ms on the wire.
    const rtt = reports.roundTrip({ lsr, dlsr: 0.5 * 65_536 }, T0 + 520);
    expect(rtt).toBeCloseTo(0.02, 4);
    expect(reports.roundTrip({ lsr, dlsr: 0 }, T0 + 3)).toBeCloseTo(0.003, 4);
  });

  it('refuses LSR 0, LSRs it never sent, and results that cannot be true', () => {
    const reports = new SenderReports({ ssrc: 1, cname: 'c', random: noJitter });
    reports.build({ rtpTimestamp: 0, packets: 1, octets: 1 }, T0, 0);
    const lsr = ntpMiddle(ntpFromUnixMs(T0));
    expect(reports.roundTrip({ lsr: 0, dlsr: 0 }, T0 + 10)).toBeUndefined();
    expect(reports.roundTrip({ lsr: (lsr + 1000) >>> 0, dlsr: 0 }, T0 + 10)).toBeUndefined();
    // DLSR longer than the time since the SR (a lie or a broken clock): no sample.
    expect(reports.roundTrip({ lsr, dlsr: 65_536 }, T0 + 10)).toBeUndefined();
    expect(reports.roundTrip({ lsr, dlsr: 0xffffffff }, T0 + 10)).toBeUndefined();
    // Within clock granularity below zero: zero.
    expect(reports.roundTrip({ lsr, dlsr: Math.round(0.0105 * 65_536) }, T0 + 10)).toBe(0);
    // An answer that arrives before the SR was sent.
    expect(reports.roundTrip({ lsr, dlsr: 0 }, T0 - 100)).toBeUndefined();
  });

  it('remembers the last 16 reports only', () => {
    const reports = new SenderReports({ ssrc: 1, cname: 'c', random: noJitter });
    for (let i = 0; i < 17; i++) reports.build({ rtpTimestamp: 0, packets: 1, octets: 1 }, T0 + i * 2000, i * 2000);
    expect(reports.roundTrip({ lsr: ntpMiddle(ntpFromUnixMs(T0)), dlsr: 0 }, T0 + 40_000)).toBeUndefined();
    expect(reports.roundTrip({ lsr: ntpMiddle(ntpFromUnixMs(T0 + 2000)), dlsr: 0 }, T0 + 2010)).toBeCloseTo(0.01, 4);
  });
});

describe('DownlinkPacketizer.senderInfo', () => {
  it('gives the RTP timestamp of an instant on the packets’ axis, and packet and payload-octet counts', () => {
    const down = new DownlinkPacketizer({ ssrc: 5, initialSequence: 0, timestampOffset: 0xfffff000 });
    const startNs = 1_000_000_000n;
    let last = 0;
    for (let i = 0; i < 3; i++) last = down.packetize(Buffer.alloc(40), mediaTimestamp(startNs + BigInt(i) * 20_000_000n)).timestamp;
    const atLast = down.senderInfo(startNs + 40_000_000n);
    expect(atLast).toEqual({ rtpTimestamp: last, packets: 3, octets: 120 });
    // 10 ms later: 480 samples later, across the 2^32 wrap of the offset.
    expect(down.senderInfo(startNs + 50_000_000n).rtpTimestamp).toBe((last + 480) >>> 0);
  });
});
