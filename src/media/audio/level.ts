// Signal level. RMS dBFS is relative to a full-scale square wave (a full-scale sine reads -3.01 dB);
// that is the convention VAD thresholds use.

const FULL_SCALE = 32768;
/** Floor reported for digital silence, so callers never see -Infinity. */
export const SILENCE_DBFS = -127;

/** Root-mean-square of int16 samples, in sample units. Allocation-free (hot path: VAD per talker). */
export function rms(samples: Int16Array): number {
  const n = samples.length;
  if (n === 0) return 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const s = samples[i] as number;
    sum += s * s;
  }
  return Math.sqrt(sum / n);
}

/** RMS level in dBFS, floored at SILENCE_DBFS. */
export function rmsDbfs(samples: Int16Array): number {
  const r = rms(samples);
  return r > 0 ? Math.max(SILENCE_DBFS, 20 * Math.log10(r / FULL_SCALE)) : SILENCE_DBFS;
}

/** Peak absolute sample in dBFS, floored at SILENCE_DBFS. */
export function peakDbfs(samples: Int16Array): number {
  let peak = 0;
  for (let i = 0; i < samples.length; i++) peak = Math.max(peak, Math.abs(samples[i] as number));
  return peak > 0 ? Math.max(SILENCE_DBFS, 20 * Math.log10(peak / FULL_SCALE)) : SILENCE_DBFS;
}
