// RTCP receiver report blocks (RFC 3550 §6.4) from a compound packet: what a client says about the
// stream it receives from us (downlink loss, jitter, and with LSR/DLSR the round trip). Sans-I/O,
// defensive: hostile or truncated input yields the blocks that are complete, never a throw.

const SR = 200;
const RR = 201;
const HEADER_BYTES = 8;
const SR_INFO_BYTES = 20;
const BLOCK_BYTES = 24;

export interface ReportBlock {
  /** Sender of the report (the client's SSRC). */
  reporter: number;
  /** The stream reported on (our downlink SSRC). */
  source: number;
  /** Fraction lost since the previous report, 0..1. */
  fractionLost: number;
  /** Cumulative packets lost (24-bit signed). */
  cumulativeLost: number;
  /** Extended highest sequence number received. */
  highestSeq: number;
  /** Interarrival jitter in RTP timestamp units. */
  jitter: number;
  /** Middle 32 bits of the NTP time of our last SR (0: none received). */
  lsr: number;
  /** Delay since that SR, in 1/65536 s. */
  dlsr: number;
}

/** Every report block in SR and RR packets of a compound RTCP packet. */
export function parseReportBlocks(buf: Buffer): ReportBlock[] {
  const blocks: ReportBlock[] = [];
  let offset = 0;
  while (offset + HEADER_BYTES <= buf.length) {
    const b0 = buf[offset] as number;
    if (b0 >> 6 !== 2) break;
    const count = b0 & 0x1f;
    const type = buf[offset + 1] as number;
    const length = (buf.readUInt16BE(offset + 2) + 1) * 4;
    const end = offset + length;
    if (end > buf.length) break;
    if (type === SR || type === RR) {
      const reporter = buf.readUInt32BE(offset + 4);
      let at = offset + HEADER_BYTES + (type === SR ? SR_INFO_BYTES : 0);
      for (let i = 0; i < count && at + BLOCK_BYTES <= end; i++, at += BLOCK_BYTES) {
        const lost = buf.readUIntBE(at + 5, 3);
        blocks.push({
          reporter,
          source: buf.readUInt32BE(at),
          fractionLost: (buf[at + 4] as number) / 256,
          cumulativeLost: lost & 0x800000 ? lost - 0x1000000 : lost,
          highestSeq: buf.readUInt32BE(at + 8),
          jitter: buf.readUInt32BE(at + 12),
          lsr: buf.readUInt32BE(at + 16),
          dlsr: buf.readUInt32BE(at + 20),
        });
      }
    }
    offset = end;
  }
  return blocks;
}

/** Builds an RR with one block (tests and clients without an RTCP stack). */
export function receiverReport(reporter: number, block: Omit<ReportBlock, 'reporter'>): Buffer {
  const buf = Buffer.alloc(HEADER_BYTES + BLOCK_BYTES);
  buf[0] = 0x81;
  buf[1] = RR;
  buf.writeUInt16BE(buf.length / 4 - 1, 2);
  buf.writeUInt32BE(reporter >>> 0, 4);
  const at = HEADER_BYTES;
  buf.writeUInt32BE(block.source >>> 0, at);
  buf[at + 4] = Math.min(255, Math.round(block.fractionLost * 256));
  buf.writeUIntBE(block.cumulativeLost < 0 ? block.cumulativeLost + 0x1000000 : Math.min(block.cumulativeLost, 0x7fffff), at + 5, 3);
  buf.writeUInt32BE(block.highestSeq >>> 0, at + 8);
  buf.writeUInt32BE(block.jitter >>> 0, at + 12);
  buf.writeUInt32BE(block.lsr >>> 0, at + 16);
  buf.writeUInt32BE(block.dlsr >>> 0, at + 20);
  return buf;
}
