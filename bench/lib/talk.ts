// Talkers' test signals: every talker slot has its own tone frequency (so listeners can tell who
// they hear), sent as bursts (a talk pattern of on/off times) whose onsets are timestamped where
// the frame is produced, before encoding: one machine, one clock, so onset → arrival at a listener
// is the end-to-end server-added latency plus both clients' codec and network time.
import { tone } from '../../testkit/signal/index.js';
import { FRAME_MS, FRAME_SAMPLES } from '../../src/media/opus.js';
import type { PcmSource } from '../../testkit/webrtc-client.js';

export interface TalkPattern {
  burstMs: number;
  pauseMs: number;
  dbfs: number;
}

/**
 * Slot `t`'s talk pattern: the scenario's, with the pause lengthened by t frames. With one shared rhythm
 * the talkers' bursts kept a fixed phase to each other, so in some runs every spot check of a listener
 * landed on the same moment of another talker's burst (its spurt-start click); with different periods
 * the phases drift through each other.
 */
export function slotPattern(pattern: TalkPattern, slot: number): TalkPattern {
  return { ...pattern, pauseMs: pattern.pauseMs + slot * FRAME_MS };
}

const MIN_SPACING_HZ = 125;
/** Intermodulation products and harmonics must stay this far from every test tone (the main lobe of a 20 ms Hann window is ±100 Hz wide). */
const IM_GUARD_HZ = 125;
/**
 * Second-order products (a − b, a + b) are weaker than third-order ones in the codec's distortion; keeping
 * them out of the Hann main lobe's steep part (a tone 60 Hz off reads > 10 dB down) leaves room for more talkers.
 */
const SECOND_ORDER_GUARD_HZ = 60;
/** Opus at the clients' 32 kbit/s keeps the full band; stay well inside it. */
const MAX_TONE_HZ = 12000;

/**
 * Test-tone frequencies for `slots` talkers, from 300 Hz up: ≥ 125 Hz apart (one 20 ms
 * Hann-windowed frame separates neighbours by > 30 dB) and chosen greedily so that no third-order
 * intermodulation product (2a − b, a + b − c) of two or three talkers heard together, and no 2nd or
 * 3rd harmonic, lands on another talker's tone: with an evenly spaced grid, 2·550 − 800 = 300 Hz
 * made a listener hearing the 550 and 800 Hz talkers "hear" the 300 Hz one too, and 2·425 = 850 Hz
 * was heard as the 855 Hz talker. Second-order products (a − b, a + b) are kept away too:
 * 725 − 425 = 300 Hz.
 */
export function slotFrequencies(slots: number): number[] {
  const chosen: number[] = [];
  const near = (p: number, except: number[], guard = IM_GUARD_HZ): boolean => chosen.some((t) => !except.includes(t) && Math.abs(p - t) < guard);
  const fits = (f: number): boolean => {
    if (chosen.some((c) => Math.abs(c - f) < MIN_SPACING_HZ)) return false;
    // Harmonics (codec and mixer distortion) must not land on another tone either.
    if (chosen.some((c) => [2, 3].some((k) => Math.abs(k * c - f) < IM_GUARD_HZ || Math.abs(k * f - c) < IM_GUARD_HZ))) return false;
    chosen.push(f); // tentatively, so products may also land on f itself
    let ok = true;
    for (const a of chosen) {
      for (const b of chosen) {
        if (a === b) continue;
        if ((a === f || b === f) && (near(2 * a - b, [a, b]) || near(Math.abs(a - b), [a, b], SECOND_ORDER_GUARD_HZ) || near(a + b, [a, b], SECOND_ORDER_GUARD_HZ))) ok = false;
        for (const c of chosen) {
          if (c !== a && c !== b && (a === f || b === f || c === f) && near(a + b - c, [a, b, c])) ok = false;
        }
      }
    }
    chosen.pop();
    return ok;
  };
  for (let f = 300; chosen.length < slots && f <= MAX_TONE_HZ; f += 5) if (fits(f)) chosen.push(f);
  if (chosen.length < slots) throw new Error(`at most ${chosen.length} talkers at a time can have distinct test tones`);
  return chosen;
}

/** Frames ahead of a burst's onset at which `onUpcoming` announces it (the pause must be this long). */
export const ANNOUNCE_FRAMES = 2;

/**
 * A PCM source for WebRtcClient: bursts of the tone, nothing between them (no packets, like a
 * DTX client or a released push-to-talk). The burst frames are computed once and replayed.
 * `onOnset` is called with performance.now() when the first frame of every burst is produced;
 * `onUpcoming` ANNOUNCE_FRAMES frames before it (not before the first burst), so that listeners in
 * other processes can start watching before the tone can reach them.
 */
export function burstSource(frequency: number, pattern: TalkPattern, onOnset: (at: number) => void, onUpcoming?: () => void): PcmSource {
  const burstFrames = Math.max(1, Math.round(pattern.burstMs / FRAME_MS));
  const periodFrames = burstFrames + Math.max(0, Math.round(pattern.pauseMs / FRAME_MS));
  const frames = Array.from({ length: burstFrames }, (_, k) => tone({ frequency, dbfs: pattern.dbfs, samples: FRAME_SAMPLES, startSample: k * FRAME_SAMPLES }));
  fade(frames);
  let first: number | undefined;
  return (index) => {
    first ??= index;
    const phase = (index - first) % periodFrames;
    if (phase === periodFrames - ANNOUNCE_FRAMES && phase >= burstFrames) onUpcoming?.();
    if (phase >= burstFrames) return undefined;
    if (phase === 0) onOnset(performance.now());
    return frames[phase];
  };
}

const FADE_SAMPLES = 240; // 5 ms

/**
 * Raised-cosine fade-in and fade-out of a burst: a hard on/off edge is a click, broadband energy
 * that other listeners' analysis would read as "some tone at every frequency".
 */
function fade(frames: Int16Array[]): void {
  const first = frames[0];
  const last = frames[frames.length - 1];
  for (let i = 0; i < FADE_SAMPLES; i++) {
    const gain = 0.5 - 0.5 * Math.cos((Math.PI * i) / FADE_SAMPLES);
    if (first) first[i] = Math.round((first[i] as number) * gain);
    if (last) last[FRAME_SAMPLES - 1 - i] = Math.round((last[FRAME_SAMPLES - 1 - i] as number) * gain);
  }
}
