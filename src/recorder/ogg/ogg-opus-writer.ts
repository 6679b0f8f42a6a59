// An Ogg Opus stream (RFC 7845) built from Opus packets as they are: OpusHead + OpusTags, then audio
// pages. Sans-I/O: every call returns the bytes to append to the file, so the caller decides when
// to write and to sync. Granule positions count 48 kHz samples from the start of the stream.
import { HEADER_BOS, HEADER_EOS, MAX_SEGMENTS, segmentsFor, serializePage } from './ogg-page.js';

export interface OggOpusHeaderInfo {
  /** Vendor string of OpusTags. */
  vendor?: string;
  /** `KEY=value` comments (e.g. the loop and talker) for whoever opens the file. */
  comments?: string[];
  /** Random per stream; default derived from Math.random. */
  serial?: number;
}

/** A page is written when it holds this many packets (1 s of 20 ms frames) even without flush(). */
export const PACKETS_PER_PAGE = 50;

export function opusHead(preSkip = 0): Buffer {
  const head = Buffer.alloc(19);
  head.write('OpusHead', 0, 'latin1');
  head[8] = 1; // version
  head[9] = 1; // channels: the loop bus carries mono
  head.writeUInt16LE(preSkip, 10);
  head.writeUInt32LE(48000, 12); // original input rate (informational)
  head.writeInt16LE(0, 16); // output gain
  head[18] = 0; // mapping family 0: mono/stereo, no table
  return head;
}

export function opusTags(vendor: string, comments: readonly string[]): Buffer {
  const parts: Buffer[] = [Buffer.from('OpusTags', 'latin1')];
  const v = Buffer.from(vendor, 'utf8');
  const len = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n, 0);
    return b;
  };
  parts.push(len(v.length), v, len(comments.length));
  for (const c of comments) {
    const b = Buffer.from(c, 'utf8');
    parts.push(len(b.length), b);
  }
  return Buffer.concat(parts);
}

export class OggOpusWriter {
  private readonly serial: number;
  private sequence = 0;
  private granule = 0n;
  private pending: Buffer[] = [];
  private pendingSegments = 0;
  private ended = false;

  constructor(private readonly info: OggOpusHeaderInfo = {}) {
    this.serial = info.serial ?? Math.floor(Math.random() * 0xffffffff);
  }

  /** Samples written so far (the position of the next packet). */
  get samples(): number {
    return Number(this.granule);
  }

  /** The two header pages; call once, first. */
  headers(): Buffer {
    const head = this.page(HEADER_BOS, 0n, [opusHead(0)]);
    const tags = this.page(0, 0n, [opusTags(this.info.vendor ?? 'Loopcast recorder', this.info.comments ?? [])]);
    return Buffer.concat([head, tags]);
  }

  /** Adds one packet of `samples` duration; returns a full page when one is complete, else an empty buffer. */
  add(packet: Buffer, samples: number): Buffer {
    if (this.ended) throw new Error('Ogg Opus stream already ended');
    const need = segmentsFor(packet.length);
    let out: Buffer = EMPTY;
    if (this.pendingSegments + need > MAX_SEGMENTS) out = this.flush();
    this.pending.push(packet);
    this.pendingSegments += need;
    this.granule += BigInt(samples);
    if (this.pending.length >= PACKETS_PER_PAGE) out = out.length > 0 ? Buffer.concat([out, this.flush()]) : this.flush();
    return out;
  }

  /** The packets added since the last page, as one page (empty buffer if none). */
  flush(): Buffer {
    if (this.pending.length === 0) return EMPTY;
    return this.takePending(0);
  }

  /** The last page, flagged end-of-stream. */
  end(): Buffer {
    if (this.ended) return EMPTY;
    this.ended = true;
    return this.takePending(HEADER_EOS);
  }

  private takePending(headerType: number): Buffer {
    const packets = this.pending;
    this.pending = [];
    this.pendingSegments = 0;
    return this.page(headerType, this.granule, packets);
  }

  private page(headerType: number, granule: bigint, packets: Buffer[]): Buffer {
    return serializePage({ headerType, granule, serial: this.serial, sequence: this.sequence++, packets });
  }
}

const EMPTY: Buffer = Buffer.alloc(0);
