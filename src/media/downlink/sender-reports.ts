// RTCP sender reports for one downlink (RFC 3550 §6.4.1) and the round trip computed from the
// receiver reports that answer them (§6.4.1, "A − LSR − DLSR"). Sans-I/O: the caller passes the
// times and sends the bytes. Without our SRs a client's RR carries LSR = 0 and no RTT can be known.
//
// Only LSR values this downlink actually sent are accepted, so a client cannot feed the RTT
// histogram arbitrary numbers: at worst it delays its answer (a larger, but true-to-it, RTT).
import { randomInt } from 'node:crypto';

const SR = 200;
const SDES = 202;
const SDES_CNAME = 1;
/** Seconds from 1900-01-01 (NTP era 0) to 1970-01-01. */
const NTP_UNIX_OFFSET_S = 2_208_988_800;
/** Middle 32 bits of NTP time are in 1/65536 s. */
const NTP_MIDDLE_PER_S = 65_536;
/** SRs remembered for matching LSR (the client answers the newest it received; ~30 s at 2 s). */
const REMEMBERED = 16;
/** A round trip this far below zero is clock granularity (1/65536 s per field); further, a lie. */
const NEGATIVE_TOLERANCE_S = 0.002;

/** NTP timestamp (RFC 5905: 32.32 fixed point from 1900) of a wall-clock time in ms since 1970. */
export function ntpFromUnixMs(unixMs: number): { seconds: number; fraction: number } {
  const total = unixMs / 1000 + NTP_UNIX_OFFSET_S;
  const seconds = Math.floor(total);
  const fraction = Math.min(0xffffffff, Math.round((total - seconds) * 2 ** 32));
  return { seconds: seconds >>> 0, fraction: fraction >>> 0 };
}

/** The middle 32 bits of an NTP timestamp: what LSR carries (RFC 3550 §6.4.1). */
export function ntpMiddle(ntp: { seconds: number; fraction: number }): number {
  return (((ntp.seconds & 0xffff) << 16) | (ntp.fraction >>> 16)) >>> 0;
}

export interface SenderInfo {
  /** RTP timestamp of the same instant as the NTP time, on the downlink's timestamp axis. */
  rtpTimestamp: number;
  /** Packets and payload octets sent on this downlink since it started (wrap at 2^32). */
  packets: number;
  octets: number;
}

export interface SenderReportOptions {
  ssrc: number;
  /** SDES CNAME (the one the SDP's a=ssrc announces): RFC 3550 compound packets carry it. */
  cname: string;
  /** Mean interval between reports (default 2000 ms); each is randomized to 0.5–1.5 × (§6.2). */
  intervalMs?: number;
  /** Random integer in [0, max) for the jitter of the interval (default crypto). */
  random?: (max: number) => number;
}

export class SenderReports {
  private readonly ssrc: number;
  private readonly cname: Buffer;
  private readonly intervalMs: number;
  private readonly random: (max: number) => number;
  /** Monotonic ms at which the next report is due; the first is due with the first packet. */
  private nextAt: number | undefined;
  /** LSR value → wall-clock ms it was sent, newest last. */
  private readonly sent = new Map<number, number>();

  constructor(opts: SenderReportOptions) {
    this.ssrc = opts.ssrc >>> 0;
    this.cname = Buffer.from(opts.cname, 'utf8').subarray(0, 255);
    this.intervalMs = opts.intervalMs ?? 2000;
    this.random = opts.random ?? randomInt;
  }

  /** True when a report should go out now (monotonic ms); the caller then calls build(). */
  due(nowMs: number): boolean {
    return this.nextAt === undefined || nowMs >= this.nextAt;
  }

  /** The compound RTCP packet SR + SDES(CNAME) for `unixMs`, and schedules the next one. */
  build(info: SenderInfo, unixMs: number, nowMs: number): Buffer {
    const spread = Math.max(1, Math.round(this.intervalMs));
    this.nextAt = nowMs + spread / 2 + this.random(spread);
    const ntp = ntpFromUnixMs(unixMs);
    const lsr = ntpMiddle(ntp);
    this.sent.delete(lsr);
    this.sent.set(lsr, unixMs);
    if (this.sent.size > REMEMBERED) this.sent.delete(this.sent.keys().next().value as number);

    const sr = Buffer.alloc(28);
    sr[0] = 0x80; // V=2, no report blocks: we receive nothing on this SSRC.
    sr[1] = SR;
    sr.writeUInt16BE(sr.length / 4 - 1, 2);
    sr.writeUInt32BE(this.ssrc, 4);
    sr.writeUInt32BE(ntp.seconds, 8);
    sr.writeUInt32BE(ntp.fraction, 12);
    sr.writeUInt32BE(info.rtpTimestamp >>> 0, 16);
    sr.writeUInt32BE(info.packets >>> 0, 20);
    sr.writeUInt32BE(info.octets >>> 0, 24);
    return Buffer.concat([sr, this.sdes()]);
  }

  /**
   * Round trip in seconds from a report block about this downlink that arrived at `unixMs`, or
   * undefined when it answers no SR of ours (LSR 0, unknown, or a result that cannot be true).
   */
  roundTrip(block: { lsr: number; dlsr: number }, unixMs: number): number | undefined {
    const lsr = block.lsr >>> 0;
    if (lsr === 0 || !this.sent.has(lsr)) return undefined;
    const arrival = ntpMiddle(ntpFromUnixMs(unixMs));
    // 32-bit modular difference: the middle bits wrap every 18 h.
    const units = ((arrival - lsr - (block.dlsr >>> 0)) | 0) / NTP_MIDDLE_PER_S;
    const sinceSent = ((arrival - lsr) >>> 0) / NTP_MIDDLE_PER_S;
    if (units < -NEGATIVE_TOLERANCE_S || units > sinceSent) return undefined;
    return Math.max(0, units);
  }

  private sdes(): Buffer {
    // One chunk: SSRC, CNAME item, END, padded to 32 bits.
    const itemBytes = 2 + this.cname.length;
    const chunkBytes = Math.ceil((4 + itemBytes + 1) / 4) * 4;
    const buf = Buffer.alloc(4 + chunkBytes);
    buf[0] = 0x81;
    buf[1] = SDES;
    buf.writeUInt16BE(buf.length / 4 - 1, 2);
    buf.writeUInt32BE(this.ssrc, 4);
    buf[8] = SDES_CNAME;
    buf[9] = this.cname.length;
    this.cname.copy(buf, 10);
    return buf;
  }
}
