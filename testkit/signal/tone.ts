// Test-signal generation. Levels are peak dBFS: a tone at 0 dBFS swings the full int16 range.
import { SAMPLE_RATE } from '../../src/media/opus.js';

export const FULL_SCALE = 32767;

export interface ToneOptions {
  frequency: number;
  /** Peak level in dBFS (0 = full scale). */
  dbfs: number;
  samples: number;
  sampleRate?: number;
  /** Starting phase in samples, so consecutive frames of one tone stay continuous. */
  startSample?: number;
}

/** Sine tone as int16 samples. */
export function tone(opts: ToneOptions): Int16Array {
  const rate = opts.sampleRate ?? SAMPLE_RATE;
  const amp = dbToGain(opts.dbfs) * FULL_SCALE;
  const start = opts.startSample ?? 0;
  const w = (2 * Math.PI * opts.frequency) / rate;
  const out = new Int16Array(opts.samples);
  for (let i = 0; i < opts.samples; i++) out[i] = Math.round(amp * Math.sin(w * (start + i)));
  return out;
}

/** Splits a signal into consecutive frames of `frameSamples` (the last partial frame is dropped). */
export function frames(signal: Int16Array, frameSamples: number): Int16Array[] {
  const out: Int16Array[] = [];
  for (let i = 0; i + frameSamples <= signal.length; i += frameSamples) out.push(signal.subarray(i, i + frameSamples));
  return out;
}

/** Concatenates frames into one signal. */
export function concat(parts: readonly Int16Array[]): Int16Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Int16Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function dbToGain(db: number): number {
  return Math.pow(10, db / 20);
}

export function gainToDb(gain: number): number {
  return gain > 0 ? 20 * Math.log10(gain) : -Infinity;
}
