// Downlink reception statistics from RTP sequence numbers and timestamps (RFC 3550 §6.4.1, A.3, A.8):
// loss = expected − received over the extended sequence range, interarrival jitter in ms, and
// stalls. Loopcast and openvocs keep the downlink sequence contiguous across DTX pauses (only the
// timestamp jumps), so a sequence gap is real loss.
import { FRAME_TS, SAMPLE_RATE } from '../../src/media/opus.js';
import type { RtpPacket } from '../../src/media/rtp.js';

/** An arrival this late after its predecessor in a continuous stream is an audible gap (ms). */
const STALL_MS = 60;

export interface RtpCounts {
  expected: number;
  received: number;
  stalls: number;
}

export class RtpReceiveStats {
  received = 0;
  stalls = 0;
  /** RFC 3550 interarrival jitter, in ms. */
  jitterMs = 0;
  private baseExt: number | undefined;
  private maxExt = 0;
  private lastSeq = 0;
  private cycles = 0;
  private prev: { ext: number; ts: number; arrivedAt: number; transit: number } | undefined;

  onPacket(p: RtpPacket, arrivedAt: number): void {
    this.received++;
    if (this.baseExt === undefined) {
      this.baseExt = p.sequenceNumber;
      this.maxExt = p.sequenceNumber;
      this.lastSeq = p.sequenceNumber;
    }
    const delta = (p.sequenceNumber - this.lastSeq + 0x10000) & 0xffff;
    if (delta !== 0 && delta < 0x8000) {
      if (p.sequenceNumber < this.lastSeq) this.cycles += 0x10000;
      this.lastSeq = p.sequenceNumber;
    }
    const ext = this.cycles + p.sequenceNumber - (p.sequenceNumber > this.lastSeq ? 0x10000 : 0);
    if (ext > this.maxExt) this.maxExt = ext;
    const transit = arrivedAt - (p.timestamp * 1000) / SAMPLE_RATE;
    const prev = this.prev;
    // Only consecutive packets of one talk spurt count: across a DTX pause the sender's clock and
    // the arrival clock legitimately disagree by the pause's rounding.
    if (prev && ext === prev.ext + 1 && ((p.timestamp - prev.ts) >>> 0) === FRAME_TS) {
      const d = Math.abs(transit - prev.transit);
      this.jitterMs += (d - this.jitterMs) / 16;
      if (arrivedAt - prev.arrivedAt > STALL_MS) this.stalls++;
    }
    if (!prev || ext > prev.ext) this.prev = { ext, ts: p.timestamp, arrivedAt, transit };
  }

  counts(): RtpCounts {
    const expected = this.baseExt === undefined ? 0 : this.maxExt - this.baseExt + 1;
    return { expected, received: this.received, stalls: this.stalls };
  }
}

/** Loss in percent between two snapshots of many streams (0 when nothing was expected). */
export function lossPercent(before: RtpCounts[], after: RtpCounts[]): number {
  let expected = 0;
  let received = 0;
  after.forEach((a, i) => {
    const b = before[i] ?? { expected: 0, received: 0, stalls: 0 };
    expected += a.expected - b.expected;
    received += a.received - b.received;
  });
  return expected > 0 ? Math.max(0, (100 * (expected - received)) / expected) : 0;
}
