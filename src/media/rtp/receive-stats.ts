// RFC 3550 receiver statistics of one RTP stream, for the server (every talker's uplink, under
// playout) and the load tool (every simulated operator's downlink): loss from extended sequence
// numbers (appendix A.1, A.3), interarrival jitter (A.8) and stalls. Kept apart from playout so loss
// is counted the standard way (expected − received) whatever playout did with the packets.
import { FRAME_TS, SAMPLE_RATE } from '../opus.js';
import { seqAdd, seqDiff, tsDiff } from './sequence.js';

/** A forward jump shorter than this is loss; a longer one may be a sender restart (A.1). */
const MAX_DROPOUT = 3000;
/** A packet this far behind the newest is reordered; further back it may be a sender restart (A.1). */
const MAX_MISORDER = 100;
const TS_PER_MS = SAMPLE_RATE / 1000;
/** An arrival this late after its predecessor within a talk spurt is an audible gap (ms). */
export const STALL_MS = 60;

export interface RtpCounts {
  expected: number;
  received: number;
  stalls: number;
}

export interface RtpReceiveStatsOptions {
  /**
   * Which arrivals the jitter estimate compares. 'every' (default, A.8): each arrival with the one
   * before it. 'spurt': only consecutive packets of one talk spurt (sequence +1, timestamp +1 frame),
   * for a receiver that cannot know how a sender rounds its timestamps across a DTX pause.
   */
  jitter?: 'every' | 'spurt';
}

interface Arrival {
  ext: number;
  ts: number;
  atMs: number;
}

export class RtpReceiveStats {
  /** Arrivals later than STALL_MS after their predecessor within a talk spurt. */
  stalls = 0;
  private readonly spurtJitter: boolean;
  private started = false;
  private baseExt = 0;
  private maxExt = 0;
  private badSeq: number | undefined;
  private receivedHere = 0;
  private receivedBefore = 0;
  private expectedBefore = 0;
  private lostBefore = 0;
  private newest: Arrival | undefined;
  private previous: Arrival | undefined;
  private jitterTs = 0;

  constructor(opts: RtpReceiveStatsOptions = {}) {
    this.spurtJitter = opts.jitter === 'spurt';
  }

  /** Packets counted (duplicates too if the caller passes them; stray ones from another sequence not). */
  get received(): number {
    return this.receivedBefore + this.receivedHere;
  }

  /** Packets the sequence numbers say were sent, across restarts. */
  get expected(): number {
    return this.expectedBefore + this.expectedHere();
  }

  /** Cumulative packets lost (never negative), across restarts. */
  get lost(): number {
    return this.lostBefore + Math.max(0, this.expectedHere() - this.receivedHere);
  }

  /** Interarrival jitter estimate, in milliseconds. */
  get jitterMs(): number {
    return this.jitterTs / TS_PER_MS;
  }

  counts(): RtpCounts {
    return { expected: this.expected, received: this.received, stalls: this.stalls };
  }

  /** Records one arrival (late ones included: they were received, just maybe not played). */
  record(p: { sequenceNumber: number; timestamp: number }, arrivalMs: number): void {
    const ext = this.extend(p.sequenceNumber);
    if (ext === undefined) return;
    this.receivedHere++;
    const arrival: Arrival = { ext, ts: p.timestamp, atMs: arrivalMs };
    const newest = this.newest;
    const inSpurt = newest !== undefined && ext === newest.ext + 1 && tsDiff(newest.ts, p.timestamp) === FRAME_TS;
    if (inSpurt && arrivalMs - newest.atMs > STALL_MS) this.stalls++;
    const before = this.spurtJitter ? (inSpurt ? newest : undefined) : this.previous;
    if (before) {
      // D(i-1,i) = (Rj − Ri) − (Sj − Si) in timestamp units; the signed difference survives the wrap.
      const d = (arrivalMs - before.atMs) * TS_PER_MS - tsDiff(before.ts, p.timestamp);
      this.jitterTs += (Math.abs(d) - this.jitterTs) / 16;
    }
    this.previous = arrival;
    if (!newest || ext > newest.ext) this.newest = arrival;
  }

  /** The stream jumped (playout resync): do not measure the jump as interarrival jitter. */
  discontinuity(): void {
    this.previous = undefined;
    this.newest = undefined;
  }

  /** The sender restarted (new SSRC or sequence/timestamp base): keep the totals, start a new base. */
  restart(): void {
    this.expectedBefore = this.expected;
    this.lostBefore = this.lost;
    this.receivedBefore = this.received;
    this.receivedHere = 0;
    this.started = false;
    this.badSeq = undefined;
    this.discontinuity();
  }

  private expectedHere(): number {
    return this.started ? this.maxExt - this.baseExt + 1 : 0;
  }

  /** Extended sequence number of `seq` (A.1), or undefined for a stray packet of another sequence. */
  private extend(seq: number): number | undefined {
    if (!this.started) return this.start(seq);
    const d = seqDiff(this.maxExt & 0xffff, seq);
    if (d > 0 && d < MAX_DROPOUT) {
      this.maxExt += d;
      this.badSeq = undefined;
      return this.maxExt;
    }
    if (d <= 0 && d >= -MAX_MISORDER) return this.maxExt + d;
    // A very large jump: a stray packet, or the sender restarted; two in a row confirm a restart.
    if (seq === this.badSeq) {
      this.restart();
      return this.start(seq);
    }
    this.badSeq = seqAdd(seq, 1);
    return undefined;
  }

  private start(seq: number): number {
    this.started = true;
    this.baseExt = seq;
    this.maxExt = seq;
    return seq;
  }
}

/** Loss in percent between two snapshots of many streams (0 when nothing was expected). */
export function lossPercent(before: readonly RtpCounts[], after: readonly RtpCounts[]): number {
  let expected = 0;
  let received = 0;
  after.forEach((a, i) => {
    const b = before[i] ?? { expected: 0, received: 0, stalls: 0 };
    expected += a.expected - b.expected;
    received += a.received - b.received;
  });
  return expected > 0 ? Math.max(0, (100 * (expected - received)) / expected) : 0;
}
