// RTP (RFC 3550) parse/serialize. Sans-I/O and on the hot path: parseRtp allocates only the
// result object and a payload subarray (a view, never a copy).

export interface RtpPacket {
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  marker: boolean;
  payload: Buffer;
}

export const RTP_HEADER_BYTES = 12;

/**
 * RFC 5761 §4 demultiplexing: with rtcp-mux, a second byte in 192..223 means RTCP
 * (RTP payload types 64..95 are excluded from use for exactly this reason).
 */
export function isRtcp(buf: Buffer): boolean {
  if (buf.length < 4) return false;
  const b0 = buf[0] as number;
  const b1 = buf[1] as number;
  return b0 >> 6 === 2 && b1 >= 192 && b1 <= 223;
}

/**
 * Parses one RTP packet. Returns undefined for anything that is not well-formed RTP: version != 2,
 * shorter than the header + CSRC list + extension, invalid padding, or an RTCP packet (RFC 5761).
 * CSRCs and the header extension are skipped; the payload excludes padding.
 */
export function parseRtp(buf: Buffer): RtpPacket | undefined {
  const len = buf.length;
  if (len < RTP_HEADER_BYTES) return undefined;
  const b0 = buf[0] as number;
  if (b0 >> 6 !== 2) return undefined;
  if (isRtcp(buf)) return undefined;
  let offset = RTP_HEADER_BYTES + (b0 & 0x0f) * 4;
  if (offset > len) return undefined;
  if (b0 & 0x10) {
    // Header extension: 16-bit profile id, 16-bit length in 32-bit words, then the words.
    if (offset + 4 > len) return undefined;
    offset += 4 + buf.readUInt16BE(offset + 2) * 4;
    if (offset > len) return undefined;
  }
  let end = len;
  if (b0 & 0x20) {
    // Padding: the last octet counts padding octets including itself, so it must be >= 1.
    const pad = buf[len - 1] as number;
    if (pad === 0 || offset + pad > len) return undefined;
    end = len - pad;
  }
  const b1 = buf[1] as number;
  return {
    payloadType: b1 & 0x7f,
    marker: (b1 & 0x80) !== 0,
    sequenceNumber: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    payload: buf.subarray(offset, end),
  };
}

/** Writes a 12-byte RTP header (no CSRC, no extension, no padding) at `offset` of `out`. */
export function writeRtpHeader(p: Omit<RtpPacket, 'payload'>, out: Buffer, offset = 0): void {
  out[offset] = 0x80;
  out[offset + 1] = (p.marker ? 0x80 : 0) | (p.payloadType & 0x7f);
  out.writeUInt16BE(p.sequenceNumber & 0xffff, offset + 2);
  out.writeUInt32BE(p.timestamp >>> 0, offset + 4);
  out.writeUInt32BE(p.ssrc >>> 0, offset + 8);
}

/** Serializes a packet with a plain 12-byte header. Out-of-range fields are masked to their width. */
export function serializeRtp(p: RtpPacket): Buffer {
  const out = Buffer.allocUnsafe(RTP_HEADER_BYTES + p.payload.length);
  writeRtpHeader(p, out, 0);
  p.payload.copy(out, RTP_HEADER_BYTES);
  return out;
}
