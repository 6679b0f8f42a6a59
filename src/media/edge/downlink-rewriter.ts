// Sans-I/O downlink continuity: maps packets from changing sources (shared encoders, private
// encoders, forwarded talkers - each with its own SSRC, sequence and timestamp space) onto the one
// outgoing SSRC of an edge session, so the browser sees a single continuous RTP stream.
//
// Rules:
// - While the source (its SSRC) stays the same, sequence numbers and timestamps keep the source's
//   deltas (fixed offsets), so real loss stays visible as a sequence gap and the source's DTX
//   timestamp jumps pass through unchanged.
// - On a source switch (new SSRC, or a sequence/timestamp jump that cannot be a reorder), the next
//   packet gets sequence = last + 1 (nothing was lost on *this* stream) and a timestamp advanced
//   by the wall-clock time since the last sent packet, rounded to whole 20 ms frames and at least
//   one frame. So a DTX gap or a silent pause between talk spurts appears to the receiver exactly
//   like Opus DTX: contiguous sequence, timestamp jump equal to the real pause. The marker bit is
//   set on that packet (start of a talk spurt, RFC 3551 §4.1), which lets jitter buffers re-adapt.
import { FRAME_MS, FRAME_SAMPLES } from '../opus.js';
import type { RtpPacket } from '../rtp.js';

export interface DownlinkRewriterOptions {
  ssrc: number;
  payloadType?: number;
  /** Milliseconds, monotonic. Injected for tests; default performance.now. */
  now?: () => number;
  initialSequence?: number;
  initialTimestamp?: number;
}

/** Signed distance a - b in a modular number space of `bits` bits. */
function modDelta(a: number, b: number, bits: 16 | 32): number {
  if (bits === 16) return ((a - b + 0x18000) & 0xffff) - 0x8000;
  return (((a - b) >>> 0) | 0);
}

// A sequence jump beyond these cannot be reordering or plausible loss: treat it as a new source.
const MAX_SEQ_FORWARD = 500;
const MAX_SEQ_BACKWARD = 100;
// 10 minutes of 48 kHz clock: beyond that a timestamp jump means the source restarted.
const MAX_TS_FORWARD = 48000 * 600;

export class DownlinkRewriter {
  readonly ssrc: number;
  private readonly payloadType: number;
  private readonly now: () => number;
  private source: number | undefined;
  private seqOffset = 0;
  private tsOffset = 0;
  private lastSrcSeq = 0;
  private lastSrcTs = 0;
  private lastOutSeq: number;
  private lastOutTs: number;
  private lastSentAt = 0;
  private sent = false;

  constructor(opts: DownlinkRewriterOptions) {
    this.ssrc = opts.ssrc >>> 0;
    this.payloadType = opts.payloadType ?? 100;
    this.now = opts.now ?? (() => performance.now());
    // Start one step "before" the initial values so the first packet lands exactly on them.
    this.lastOutSeq = ((opts.initialSequence ?? randomInt(0x10000)) - 1) & 0xffff;
    this.lastOutTs = ((opts.initialTimestamp ?? randomInt(0x100000000)) - FRAME_SAMPLES) >>> 0;
  }

  /** Returns a new packet object (the payload buffer is shared, not copied). */
  rewrite(p: RtpPacket): RtpPacket {
    const now = this.now();
    let marker = p.marker;
    if (this.source !== p.ssrc || this.isJump(p)) {
      const first = !this.sent;
      const frames = first ? 1 : Math.max(1, Math.round((now - this.lastSentAt) / FRAME_MS));
      const seq = (this.lastOutSeq + 1) & 0xffff;
      const ts = (this.lastOutTs + frames * FRAME_SAMPLES) >>> 0;
      this.source = p.ssrc;
      this.seqOffset = seq - p.sequenceNumber;
      this.tsOffset = ts - p.timestamp;
      this.lastSrcSeq = p.sequenceNumber;
      this.lastSrcTs = p.timestamp;
      marker = true;
    }
    const sequenceNumber = (p.sequenceNumber + this.seqOffset) & 0xffff;
    const timestamp = (p.timestamp + this.tsOffset) >>> 0;
    if (modDelta(p.sequenceNumber, this.lastSrcSeq, 16) >= 0) {
      // Newest packet so far: it defines where the next switch continues from.
      this.lastSrcSeq = p.sequenceNumber;
      this.lastSrcTs = p.timestamp;
      this.lastOutSeq = sequenceNumber;
      this.lastOutTs = timestamp;
      this.lastSentAt = now;
      this.sent = true;
    }
    return { payloadType: this.payloadType, sequenceNumber, timestamp, ssrc: this.ssrc, marker, payload: p.payload };
  }

  /** Forget the current source: the next packet is treated as a switch (continuity is kept). */
  resetSource(): void {
    this.source = undefined;
  }

  private isJump(p: RtpPacket): boolean {
    const ds = modDelta(p.sequenceNumber, this.lastSrcSeq, 16);
    if (ds > MAX_SEQ_FORWARD || ds < -MAX_SEQ_BACKWARD) return true;
    const dt = modDelta(p.timestamp, this.lastSrcTs, 32);
    return dt > MAX_TS_FORWARD || (ds > 0 && dt < 0);
  }
}

function randomInt(limit: number): number {
  return Math.floor(Math.random() * limit);
}
