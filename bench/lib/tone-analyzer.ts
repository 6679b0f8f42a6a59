// Per-listener audio analysis, kept cheap because hundreds of listeners share the machine with the
// server: every downlink frame is decoded (by the WebRTC client), but tones are only analysed around
// talker burst onsets. A probe is "talker X started a burst at time t"; for an expected talker the
// listener scans frames after t with a single-frequency Goertzel (levelAt) until the tone appears
// (that is the latency sample), for an unexpected one it spot-checks two frames mid-burst.
import { levelAt } from '../../src/media/audio/index.js';
import type { ReceivedFrame } from './pcm-ring.js';

/**
 * Received tone levels that count as "heard": talkers send −16 dBFS and volume 50 is −12 dB, so a
 * heard talker arrives near −28 dBFS. A burst's first decoded frame is quieter (the codec ramps up
 * after silence), so onsets use a lower threshold; mid-burst spot checks use a higher one because
 * codec distortion of the other tones a listener hears reaches about −45 dBFS.
 */
export const ONSET_DBFS = -50;
export const HEARD_DBFS = -42;
/** An expected tone not seen within this long after its onset is a missed burst. */
const MAX_WAIT_MS = 300;
/** Unexpected tones are looked for in this window after the onset (inside any plausible burst). */
const SPOT_FROM_MS = 60;
const SPOT_TO_MS = 180;

interface Probe {
  slot: number;
  frequency: number;
  onset: number;
  expected: boolean;
  checks: number;
  detectedAt?: number;
}

export interface SlotHearing {
  expectedBursts: number;
  heardBursts: number;
  unexpectedChecks: number;
  unexpectedHeard: number;
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

  /** A talker slot's burst started at `onset` (performance.now()); `expected`: should we hear it? */
  addProbe(slot: number, frequency: number, onset: number, expected: boolean): void {
    this.expire(onset);
    const probe: Probe = { slot, frequency, onset, expected, checks: 0 };
    this.probes.push(probe);
  }

  onFrame(frame: ReceivedFrame): void {
    if (this.probes.length === 0 || frame.concealed) return;
    let done = false;
    for (const p of this.probes) {
      const age = frame.arrivedAt - p.onset;
      if (age <= 0) continue;
      if (p.expected) {
        if (p.detectedAt === undefined) {
          if (levelAt(frame.pcm, p.frequency) > ONSET_DBFS) {
            p.detectedAt = frame.arrivedAt;
            this.latencies.push({ onset: p.onset, ms: age });
          }
        } else if (++p.checks === 2) {
          // Two frames after the onset frame: the tone is steady, read its level.
          this.level(p, levelAt(frame.pcm, p.frequency));
          done = this.finish(p) || done;
        }
        if (p.detectedAt === undefined && age > MAX_WAIT_MS) done = this.finish(p) || done;
      } else if (age >= SPOT_FROM_MS && age <= SPOT_TO_MS && p.checks < 2) {
        p.checks++;
        if (levelAt(frame.pcm, p.frequency) > HEARD_DBFS) p.detectedAt = frame.arrivedAt;
        if (p.checks === 2 || p.detectedAt !== undefined) done = this.finish(p) || done;
      } else if (age > SPOT_TO_MS) done = this.finish(p) || done;
    }
    if (done) this.probes = this.probes.filter((p) => p.checks >= 0);
  }

  /** Finishes probes whose window has passed (e.g. no frames arrived at all: DTX silence). */
  expire(now: number): void {
    let done = false;
    for (const p of this.probes) if (now - p.onset > MAX_WAIT_MS + 100) done = this.finish(p) || done;
    if (done) this.probes = this.probes.filter((p) => p.checks >= 0);
  }

  private slot(slot: number): SlotHearing {
    let s = this.slots.get(slot);
    if (!s) this.slots.set(slot, (s = { expectedBursts: 0, heardBursts: 0, unexpectedChecks: 0, unexpectedHeard: 0, levelSumDbfs: 0, levels: 0 }));
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
    if (p.expected) {
      s.expectedBursts++;
      if (p.detectedAt !== undefined) s.heardBursts++;
    } else {
      s.unexpectedChecks++;
      if (p.detectedAt !== undefined) s.unexpectedHeard++;
    }
    p.checks = -1;
    return true;
  }
}
