// Ogg pages (RFC 3533): serialize and parse, with the Ogg CRC-32 (poly 0x04c11db7, no reflection,
// init 0, computed over the page with its CRC field zeroed). Sans-I/O.

export const HEADER_BOS = 0x02;
export const HEADER_EOS = 0x04;
export const HEADER_CONTINUED = 0x01;
/** A page holds at most 255 lacing values; one packet of n bytes takes floor(n/255)+1 of them. */
export const MAX_SEGMENTS = 255;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

export function oggCrc(data: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < data.length; i++) crc = ((crc << 8) ^ (CRC_TABLE[((crc >>> 24) ^ (data[i] as number)) & 0xff] as number)) >>> 0;
  return crc >>> 0;
}

export interface OggPage {
  headerType: number;
  /** -1 means "no packet ends on this page". */
  granule: bigint;
  serial: number;
  sequence: number;
  packets: Buffer[];
}

/** Lacing values needed for packets (each fits in one page here: recorder packets are small). */
export function segmentsFor(packetBytes: number): number {
  return Math.floor(packetBytes / 255) + 1;
}

export function serializePage(page: OggPage): Buffer {
  const lacing: number[] = [];
  for (const p of page.packets) {
    let n = p.length;
    while (n >= 255) {
      lacing.push(255);
      n -= 255;
    }
    lacing.push(n);
  }
  if (lacing.length > MAX_SEGMENTS) throw new RangeError(`page needs ${lacing.length} segments (max ${MAX_SEGMENTS})`);
  const bodyBytes = page.packets.reduce((s, p) => s + p.length, 0);
  const out = Buffer.alloc(27 + lacing.length + bodyBytes);
  out.write('OggS', 0, 'latin1');
  out[4] = 0;
  out[5] = page.headerType;
  out.writeBigInt64LE(page.granule, 6);
  out.writeUInt32LE(page.serial >>> 0, 14);
  out.writeUInt32LE(page.sequence >>> 0, 18);
  out[26] = lacing.length;
  for (let i = 0; i < lacing.length; i++) out[27 + i] = lacing[i] as number;
  let offset = 27 + lacing.length;
  for (const p of page.packets) {
    p.copy(out, offset);
    offset += p.length;
  }
  out.writeUInt32LE(oggCrc(out), 22);
  return out;
}

export interface ParsedPage extends OggPage {
  /** Byte offset of the page in the buffer and its total length. */
  offset: number;
  length: number;
}

/**
 * Reads consecutive complete, CRC-valid pages from the start of `buf`. Stops at the first torn or
 * corrupt page (a crash can leave one at the end): `validBytes` is where the good data ends.
 * Packets continued across pages are not used by the recorder and end parsing.
 */
export function parsePages(buf: Buffer): { pages: ParsedPage[]; validBytes: number } {
  const pages: ParsedPage[] = [];
  let offset = 0;
  while (offset + 27 <= buf.length) {
    if (buf.toString('latin1', offset, offset + 4) !== 'OggS' || buf[offset + 4] !== 0) break;
    const headerType = buf[offset + 5] as number;
    if (headerType & HEADER_CONTINUED) break;
    const nseg = buf[offset + 26] as number;
    if (offset + 27 + nseg > buf.length) break;
    const lacing = buf.subarray(offset + 27, offset + 27 + nseg);
    const bodyBytes = lacing.reduce((s, v) => s + v, 0);
    const length = 27 + nseg + bodyBytes;
    if (offset + length > buf.length) break;
    if (nseg > 0 && lacing[nseg - 1] === 255) break;
    const page = Buffer.from(buf.subarray(offset, offset + length));
    const crc = page.readUInt32LE(22);
    page.writeUInt32LE(0, 22);
    if (oggCrc(page) !== crc) break;
    const packets: Buffer[] = [];
    let pos = offset + 27 + nseg;
    let size = 0;
    for (const v of lacing) {
      size += v;
      if (v < 255) {
        packets.push(buf.subarray(pos, pos + size));
        pos += size;
        size = 0;
      }
    }
    pages.push({
      headerType,
      granule: buf.readBigInt64LE(offset + 6),
      serial: buf.readUInt32LE(offset + 14),
      sequence: buf.readUInt32LE(offset + 18),
      packets,
      offset,
      length,
    });
    offset += length;
  }
  return { pages, validBytes: offset };
}
