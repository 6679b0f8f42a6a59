// One talk spurt of one talker on one loop, as one Ogg Opus file. Packets go in as received (never
// decoded); RTP timestamps keep file time equal to talk time: short gaps (loss, DTX) are filled
// with 20 ms silence frames, late or duplicate packets are dropped. Pages reach the OS at least
// every flush; durability against power loss comes from the caller's periodic sync(). With a key the
// file is sealed (sealed/chunks.ts): the pages of each flush become one encrypted chunk.
import { dirname } from 'node:path';
import { tsAdd, tsDiff } from '../media/rtp/sequence.js';
import { OggOpusWriter } from './ogg/ogg-opus-writer.js';
import { OPUS_SILENCE_20MS, opusPacketSamples } from './ogg/opus-packet.js';
import type { FileOps } from './file-ops.js';
import { ChunkSealer } from './sealed/chunks.js';
import type { RecordingKey } from './sealed/keys.js';

export type AddResult = 'added' | 'dropped' | 'gap';

const SILENCE_SAMPLES = 960;

export class SpurtWriter {
  private readonly ogg: OggOpusWriter;
  private fd: number | undefined;
  private expectedTs: number | undefined;
  private written = 0;
  private dirty = false;
  /** An fdatasync in flight: the fd is closed only after it (a closed fd number could be reused). */
  private syncing: Promise<void> | undefined;
  private readonly sealer: ChunkSealer | undefined;
  /** Sealed files: pages waiting for the next flush, which seals them as one chunk. */
  private pending: Buffer[] = [];

  constructor(
    private readonly ops: FileOps,
    readonly path: string,
    readonly startMs: number,
    comments: string[],
    private readonly maxGapSamples: number,
    key?: RecordingKey,
  ) {
    this.ogg = new OggOpusWriter({ comments });
    ops.mkdir(dirname(path));
    this.fd = ops.open(path);
    this.sealer = key ? ChunkSealer.create(key) : undefined;
    if (this.sealer) this.writeFile(this.sealer.header);
    this.write(this.ogg.headers());
    this.sealPending(false);
  }

  /** Bytes in the file so far. */
  get bytes(): number {
    return this.written;
  }

  /** Audio duration so far, in ms. */
  get durationMs(): number {
    return this.ogg.samples / 48;
  }

  /** Wall-clock time (ms) the next packet will play at in this spurt. */
  get nextPacketMs(): number {
    return this.startMs + this.durationMs;
  }

  /**
   * Adds a packet with its RTP timestamp. 'gap' means the talker was silent longer than the spurt
   * may bridge (or the timestamp jumped): the caller ends this spurt and starts a new one.
   * Returns the packet's time in the spurt (ms from start) with 'added'. Throws on write errors.
   */
  add(payload: Buffer, rtpTimestamp: number): { result: AddResult; atMs: number } {
    const samples = opusPacketSamples(payload);
    if (samples === undefined) return { result: 'dropped', atMs: 0 };
    if (this.expectedTs !== undefined) {
      const delta = tsDiff(this.expectedTs, rtpTimestamp);
      if (delta < 0) return { result: 'dropped', atMs: 0 };
      if (delta > this.maxGapSamples) return { result: 'gap', atMs: 0 };
      for (let filled = 0; filled + SILENCE_SAMPLES <= delta; filled += SILENCE_SAMPLES) this.write(this.ogg.add(OPUS_SILENCE_20MS, SILENCE_SAMPLES));
    }
    const atMs = this.durationMs;
    this.write(this.ogg.add(payload, samples));
    this.expectedTs = tsAdd(rtpTimestamp, samples);
    return { result: 'added', atMs };
  }

  /** Writes the packets not yet on a page (at most one second's worth is ever only in memory). */
  flush(): void {
    this.write(this.ogg.flush());
    this.sealPending(false);
  }

  /** fdatasync if something was written since the last sync; resolves when on disk. */
  async sync(): Promise<void> {
    if (this.fd === undefined || !this.dirty) return;
    this.dirty = false;
    const done = this.ops.sync(this.fd).finally(() => {
      if (this.syncing === done) this.syncing = undefined;
    });
    this.syncing = done;
    await done;
  }

  private closeFd(fd: number): void {
    const inFlight = this.syncing;
    if (inFlight) void inFlight.catch(() => undefined).then(() => closeQuietly(this.ops, fd));
    else this.ops.close(fd);
  }

  /** Writes the end-of-stream page and closes the file. Idempotent; the file is closed even on error. */
  end(): void {
    const fd = this.fd;
    if (fd === undefined) return;
    try {
      this.write(this.ogg.end());
      this.sealPending(true);
    } finally {
      this.fd = undefined;
      this.closeFd(fd);
    }
  }

  /** Closes without writing (after a write error). */
  abandon(): void {
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) {
      try {
        this.closeFd(fd);
      } catch {
        // Already failing; the file is recovered from its valid pages on the next start.
      }
    }
  }

  private write(buf: Buffer): void {
    if (buf.length === 0 || this.fd === undefined) return;
    if (this.sealer) this.pending.push(buf);
    else this.writeFile(buf);
  }

  /** One chunk of everything since the last one (the final chunk may be empty: it marks the end). */
  private sealPending(final: boolean): void {
    if (!this.sealer || this.fd === undefined || (this.pending.length === 0 && !final)) return;
    const plain = Buffer.concat(this.pending);
    this.pending = [];
    this.writeFile(this.sealer.seal(plain, final));
  }

  private writeFile(buf: Buffer): void {
    if (this.fd === undefined) return;
    this.ops.write(this.fd, buf);
    this.written += buf.length;
    this.dirty = true;
  }
}

function closeQuietly(ops: FileOps, fd: number): void {
  try {
    ops.close(fd);
  } catch {
    // Nothing left to do with a descriptor that cannot be closed.
  }
}
