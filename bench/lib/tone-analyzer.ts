// Per-listener audio analysis, kept cheap because hundreds of listeners share the machine with the
// server: every downlink frame is decoded (by the WebRTC client), but tones are only analysed around
// talker burst onsets. A probe is "talker X started a burst at time t"; for an expected talker the
// listener scans frames after t with a single-frequency Goertzel (levelAt) until the tone appears
// (that is the latency sample), for an unexpected one it spot-checks two frames mid-burst.
import { levelAt, rmsDbfs } from '../../testkit/signal/index.js';
import { FRAME_MS, FRAME_SAMPLES } from '../../src/media/opus.js';
import type { ReceivedFrame } from '../../testkit/pcm-ring.js';

/**
 * Received tone levels that count as "heard": talkers send −16 dBFS and volume 50 is −12 dB, so a
 * heard talker arrives near −28 dBFS. A burst's first decoded frame is quieter (the codec ramps up
 * after silence), so onsets use a lower threshold; mid-burst spot checks use a higher one because
 * codec distortion of the other tones a listener hears reaches about −45 dBFS.
 */
export const ONSET_DBFS = -50;
export const HEARD_DBFS = -42;
/**
 * A tone counts only if it stands out of the frame: its level at f minus the frame's RMS level. One sine
 * reads +3 dB, k equal tones 3 − 10·log10(k) dB (−5 dB for six talkers); a broadband click (the first frame
 * of a talk spurt carries one about 15 dB under the tone) spreads over the whole band and reads about
 * −22 dB at any single frequency. Without this, another talker's spurt-start click read as "our tone
 * arrived" (onset latency below the network delay) or "a talker we must not hear" (false hearing).
 */
export const TONAL_MARGIN_DB = -13;
/**
 * An onset also counts when the level at f jumps by this much from the frame before, to above
 * ONSET_RISE_FLOOR_DBFS, and either stands out of the frame (the tonal margin) or the frame's broadband
 * level did not jump (less than ONSET_RMS_RISE_DB): the first frame of a tone holds only its
 * first milliseconds (two codec look-aheads and the fade-in), so it reads low and, next to other
 * talkers' tones, fails the tonal margin although it is plainly our tone starting (measured in shift:
 * −51 to −55 dBFS, up from below −100, while the frame's RMS stayed); a click raises every frequency
 * and the frame's RMS.
 */
export const ONSET_RISE_DB = 30;
export const ONSET_RMS_RISE_DB = 6;
/** …and reaches this level (lower than ONSET_DBFS: such a frame holds only the tone's first ~5 ms). */
export const ONSET_RISE_FLOOR_DBFS = -60;

/** An expected tone not seen within this long after its onset is a missed burst. */
const MAX_WAIT_MS = 300;
/** Unexpected tones are looked for in this window after the onset (inside any plausible burst). */
const SPOT_FROM_MS = 60;
const SPOT_TO_MS = 180;
/**
 * Frames decoded before a spot check's window although not analysed: decoding resumes on a decoder that
 * skipped packets, and Opus (CELT) predicts each frame's band energies from the previous frame's.
 * Expected probes decode from their onset on, which gives the 1–3 frames before the tone arrives.
 */
const WARMUP_MS = 2 * FRAME_MS;

/** expected: must hear it; unexpected: must not; own: the listener held the slot (mix-minus check). */
export type ProbeKind = 'expected' | 'unexpected' | 'own';

interface Probe {
  slot: number;
  frequency: number;
  onset: number;
  expected: boolean;
  kind: ProbeKind;
  /** False once the slot's holder or the listener's state changed: the probe's classification is void. */
  valid: () => boolean;
  /**
   * Probes announced ahead of their burst (another process's talker) carry a key and an early onset until
   * confirmOnset() gives the real one; unconfirmed probes are not spot-checked and end up dropped.
   */
  key?: string;
  confirmed: boolean;
  /**
   * Unconfirmed expected probes: arrival times of the frames in which the tone's onset rule fired. The
   * onset is not known yet, so a hit may be a frame from before it (a click, another tone's product);
   * confirmOnset() takes the first one after the onset.
   */
  hits?: number[];
  checks: number;
  detectedAt?: number;
  /** Expected probes: the level at f in the previous frame analysed for it. */
  lastLevel?: number;
}

export interface SlotHearing {
  expectedBursts: number;
  heardBursts: number;
  unexpectedChecks: number;
  unexpectedHeard: number;
  /** Checks for the listener's own voice while it held the slot, and how many heard it. */
  ownChecks: number;
  ownHeard: number;
  /** Probes dropped because the slot holder or the listener's state changed before they ended. */
  dropped: number;
  /** …of which announced bursts whose onset was not confirmed before the probe ended (another shard's message late, or the talker stopped). */
  unconfirmed: number;
  levelSumDbfs: number;
  levels: number;
}

export interface LatencySample {
  onset: number;
  ms: number;
}

export class ToneAnalyzer {
  readonly slots = new Map<number, SlotHearing>();
  readonly latencies: LatencySample[] = [];
  private probes: Probe[] = [];
  private lastArrival = -Infinity;
  private lastTimestamp: number | undefined;
  /** The last packet seen by onPacket() and whether it started a talk spurt. */
  private tracked: { arrivedAt: number; spurtStart: boolean } | undefined;
  /** The frame analysed just before this one: the baseline of the onset rise rule. */
  private previous: { arrivedAt: number; pcm: Int16Array; rms: number | undefined } | undefined;

  /**
   * A talker slot's burst started at `onset` (performance.now()). `kind` (or the legacy boolean, true =
   * expected) says whether the listener should hear it; `valid` is asked when the probe ends.
   */
  addProbe(slot: number, frequency: number, onset: number, kind: ProbeKind | boolean, valid: () => boolean = () => true, key?: string): void {
    this.expire(onset);
    const k: ProbeKind = kind === true ? 'expected' : kind === false ? 'unexpected' : kind;
    const probe: Probe = { slot, frequency, onset, expected: k === 'expected', kind: k, valid, checks: 0, confirmed: key === undefined, ...(key !== undefined ? { key } : {}) };
    this.probes.push(probe);
  }

  /**
   * The burst announced under `key` started at `onset` (performance.now()). A detection before it was no
   * tone of this burst (nothing can arrive before it is sent): the probe keeps looking.
   */
  confirmOnset(key: string, onset: number): void {
    for (const p of this.probes) {
      if (p.key !== key || p.confirmed || p.checks < 0) continue;
      p.onset = onset;
      p.confirmed = true;
      const hit = p.hits?.find((at) => at > onset);
      delete p.hits;
      if (hit === undefined) continue;
      p.detectedAt = hit;
      this.latencies.push({ onset, ms: hit - onset });
    }
  }

  /**
   * Every downlink packet, decoded or not (the client asks wantsAudio() before decoding): keeps track of
   * talk spurts. Without it, onFrame() tracks them from the frames it gets.
   */
  onPacket(arrivedAt: number, timestamp: number): void {
    this.tracked = { arrivedAt, spurtStart: this.spurt(arrivedAt, timestamp) };
  }

  /** Whether a frame arriving now is analysed (or warms the decoder up for one that is). */
  wantsAudio(now: number): boolean {
    for (const p of this.probes) {
      if (p.checks < 0) continue;
      if (p.expected) return true;
      const age = now - p.onset;
      if (age >= SPOT_FROM_MS - WARMUP_MS && age <= SPOT_TO_MS) return true;
    }
    return false;
  }

  onFrame(frame: ReceivedFrame): void {
    // The frame before this one (if it came within a frame and a half): the onset rise rule's baseline.
    const before = this.previous && frame.arrivedAt - this.previous.arrivedAt < 1.5 * FRAME_MS ? this.previous : undefined;
    this.previous = frame.concealed ? undefined : { arrivedAt: frame.arrivedAt, pcm: frame.pcm, rms: undefined };
    if (frame.concealed) return;
    // The first frame after a downlink pause starts a talk spurt; spot checks skip it (its click).
    const spurtStart = this.tracked?.arrivedAt === frame.arrivedAt ? this.tracked.spurtStart : this.spurt(frame.arrivedAt, frame.timestamp);
    if (this.probes.length === 0) return;
    let rms: number | undefined;
    const frameRms = (): number => (rms ??= rmsDbfs(frame.pcm));
    const tonal = (level: number): boolean => level - frameRms() > TONAL_MARGIN_DB;
    const beforeRms = (): number | undefined => before && (before.rms ??= rmsDbfs(before.pcm));

    let done = false;
    for (const p of this.probes) {
      const age = frame.arrivedAt - p.onset;
      if (age <= 0) continue;
      if (p.expected) {
        if (p.detectedAt === undefined) {
          const level = levelAt(frame.pcm, p.frequency);
          const baseline = p.lastLevel ?? (before ? levelAt(before.pcm, p.frequency) : undefined);
          p.lastLevel = level;
          const risen = (): boolean => {
            if (baseline === undefined || level - baseline < ONSET_RISE_DB || level <= ONSET_RISE_FLOOR_DBFS) return false;
            const b = beforeRms();
            return tonal(level) || (b !== undefined && frameRms() - b < ONSET_RMS_RISE_DB);
          };
          if ((level > ONSET_DBFS && tonal(level)) || risen()) {
            if (!p.confirmed) (p.hits ??= []).push(frame.arrivedAt);
            else {
              p.detectedAt = frame.arrivedAt;
              this.latencies.push({ onset: p.onset, ms: age });
            }
          }
        } else if (++p.checks === 2) {
          // Two frames after the onset frame: the tone is steady, read its level.
          this.level(p, levelAt(frame.pcm, p.frequency));
          done = this.finish(p) || done;
        }
        if (p.detectedAt === undefined && age > MAX_WAIT_MS) done = this.finish(p) || done;
      } else if (!p.confirmed) {
        if (age > SPOT_TO_MS) done = this.finish(p) || done;
      } else if (age >= SPOT_FROM_MS && age <= SPOT_TO_MS && p.checks < 2 && !spurtStart) {
        p.checks++;
        const level = levelAt(frame.pcm, p.frequency);
        if (level > HEARD_DBFS && tonal(level)) p.detectedAt = frame.arrivedAt;
        if (p.checks === 2 || p.detectedAt !== undefined) done = this.finish(p) || done;
      } else if (age > SPOT_TO_MS) done = this.finish(p) || done;
    }
    if (done) this.probes = this.probes.filter((p) => p.checks >= 0);
  }

  private spurt(arrivedAt: number, timestamp: number): boolean {
    const start = arrivedAt - this.lastArrival > 2.5 * FRAME_MS || (this.lastTimestamp !== undefined && timestamp >= 0 && ((timestamp - this.lastTimestamp) >>> 0) > 2 * FRAME_SAMPLES);
    this.lastArrival = arrivedAt;
    if (timestamp >= 0) this.lastTimestamp = timestamp;
    return start;
  }

  /** Finishes probes whose window has passed (e.g. no frames arrived at all: DTX silence). */
  expire(now: number): void {
    let done = false;
    for (const p of this.probes) if (now - p.onset > MAX_WAIT_MS + 100) done = this.finish(p) || done;
    if (done) this.probes = this.probes.filter((p) => p.checks >= 0);
  }

  private slot(slot: number): SlotHearing {
    let s = this.slots.get(slot);
    if (!s) this.slots.set(slot, (s = { expectedBursts: 0, heardBursts: 0, unexpectedChecks: 0, unexpectedHeard: 0, ownChecks: 0, ownHeard: 0, dropped: 0, unconfirmed: 0, levelSumDbfs: 0, levels: 0 }));
    return s;
  }

  private level(p: Probe, dbfs: number): void {
    const s = this.slot(p.slot);
    s.levelSumDbfs += dbfs;
    s.levels++;
  }

  /** Counts the probe once and marks it for removal (checks = −1). */
  private finish(p: Probe): boolean {
    if (p.checks < 0) return false;
    const s = this.slot(p.slot);
    p.checks = -1;
    if (!p.confirmed || !p.valid()) {
      s.dropped++;
      if (!p.confirmed) s.unconfirmed++;
      return true;
    }
    if (p.expected) {
      s.expectedBursts++;
      if (p.detectedAt !== undefined) s.heardBursts++;
    } else if (p.kind === 'own') {
      s.ownChecks++;
      if (p.detectedAt !== undefined) s.ownHeard++;
    } else {
      s.unexpectedChecks++;
      if (p.detectedAt !== undefined) s.unexpectedHeard++;
    }
    p.checks = -1;
    return true;
  }
}
