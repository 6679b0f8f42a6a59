// RFC 3550 receiver statistics for one talker: cumulative loss from extended sequence numbers
// (appendix A.3) and interarrival jitter (A.8). Kept apart from playout so loss is counted the
// standard way (expected - received) regardless of what playout did with the packets.
import { SAMPLE_RATE } from '../opus.js';

const SEQ_MOD = 65536;
const MAX_DROPOUT = 3000;
const TS_PER_MS = SAMPLE_RATE / 1000;

export class ReceptionStats {
  private started = false;
  private baseSeq = 0;
  private maxSeq = 0;
  private cycles = 0;
  private receivedUnique = 0;
  private lostBefore = 0;
  private prevArrivalMs = 0;
  private prevTs = 0;
  private hasPrev = false;
  private jitterTs = 0;

  /** Cumulative packets lost (never negative), across restarts. */
  get lost(): number {
    if (!this.started) return this.lostBefore;
    const expected = this.cycles + this.maxSeq - this.baseSeq + 1;
    return this.lostBefore + Math.max(0, expected - this.receivedUnique);
  }

  /** RFC 3550 interarrival jitter estimate, in milliseconds. */
  get jitterMs(): number {
    return this.jitterTs / TS_PER_MS;
  }

  /** Records one non-duplicate packet (late ones included: they were received, just not played). */
  record(seq: number, timestamp: number, arrivalMs: number): void {
    if (!this.started) {
      this.started = true;
      this.baseSeq = seq;
      this.maxSeq = seq;
    } else {
      const udelta = (seq - this.maxSeq + SEQ_MOD) % SEQ_MOD;
      if (udelta > 0 && udelta < MAX_DROPOUT) {
        if (seq < this.maxSeq) this.cycles += SEQ_MOD;
        this.maxSeq = seq;
      }
      // Otherwise reordered/old: counted as received, does not move the maximum.
    }
    this.receivedUnique++;
    if (this.hasPrev) {
      // D(i-1,i) = (Rj - Ri) - (Sj - Si) in timestamp units; the |0 makes timestamp wrap harmless.
      const d = (arrivalMs - this.prevArrivalMs) * TS_PER_MS - ((timestamp - this.prevTs) | 0);
      this.jitterTs += (Math.abs(d) - this.jitterTs) / 16;
    }
    this.prevArrivalMs = arrivalMs;
    this.prevTs = timestamp;
    this.hasPrev = true;
  }

  /** The stream jumped (playout resync): do not measure the jump as interarrival jitter. */
  discontinuity(): void {
    this.hasPrev = false;
  }

  /** The talker restarted (new SSRC or sequence/timestamp base): keep totals, start a new base. */
  restart(): void {
    this.lostBefore = this.lost;
    this.started = false;
    this.cycles = 0;
    this.receivedUnique = 0;
    this.hasPrev = false;
  }
}
