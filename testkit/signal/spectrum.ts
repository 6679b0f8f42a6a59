// Frequency analysis for tests and diagnostics: Goertzel for "level at f", a radix-2 FFT for "which f".
// Both apply a Hann window so a second tone (e.g. 880 Hz next to 440 Hz) does not leak into the reading.
import { SAMPLE_RATE } from '../../src/media/opus.js';
import { SILENCE_DBFS } from '../../src/media/audio/level.js';

const FULL_SCALE = 32767;

function hann(i: number, n: number): number {
  return 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
}

/** Hann windows by length, computed once: the load tool reads hundreds of 960-sample frames a second. */
const windows = new Map<number, { w: Float64Array; sum: number }>();

function hannWindow(n: number): { w: Float64Array; sum: number } {
  let cached = windows.get(n);
  if (!cached) {
    const w = new Float64Array(n);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += w[i] = hann(i, n);
    cached = { w, sum };
    if (windows.size < 16) windows.set(n, cached);
  }
  return cached;
}

/**
 * Peak amplitude (dBFS, same convention as tone()) of the component at `frequency`, by a
 * generalised Goertzel (any frequency, not just bin centres) over a Hann-windowed signal.
 * Use at least a few thousand samples (~100 ms) for a clean reading.
 */
export function levelAt(samples: Int16Array, frequency: number, sampleRate = SAMPLE_RATE): number {
  const n = samples.length;
  const w = (2 * Math.PI * frequency) / sampleRate;
  const coeff = 2 * Math.cos(w);
  const { w: win, sum: wsum } = hannWindow(n);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = (samples[i] as number) * (win[i] as number) + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const re = s1 - s2 * Math.cos(w);
  const im = s2 * Math.sin(w);
  // A sine of amplitude A yields |X| = A * sum(window) / 2.
  const amp = (2 * Math.hypot(re, im)) / (wsum || 1);
  return amp > 0 ? Math.max(SILENCE_DBFS, 20 * Math.log10(amp / FULL_SCALE)) : SILENCE_DBFS;
}

/** In-place iterative radix-2 FFT; re/im lengths must be the same power of two. */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const tr = re[i] as number;
      re[i] = re[j] as number;
      re[j] = tr;
      const ti = im[i] as number;
      im[i] = im[j] as number;
      im[j] = ti;
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k;
        const b = a + len / 2;
        const xr = (re[b] as number) * cr - (im[b] as number) * ci;
        const xi = (re[b] as number) * ci + (im[b] as number) * cr;
        re[b] = (re[a] as number) - xr;
        im[b] = (im[a] as number) - xi;
        re[a] = (re[a] as number) + xr;
        im[a] = (im[a] as number) + xi;
        const nr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = nr;
      }
    }
  }
}

/**
 * Dominant frequency (Hz) over the first power-of-two samples of the signal (at most 16384),
 * refined by parabolic interpolation of the log magnitude around the peak bin (~1 Hz at 8192 points).
 */
export function dominantFrequency(samples: Int16Array, sampleRate = SAMPLE_RATE): number {
  let n = 1;
  while (n * 2 <= samples.length && n < 16384) n *= 2;
  if (n < 4) return 0;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let i = 0; i < n; i++) re[i] = (samples[i] as number) * hann(i, n);
  fft(re, im);
  let best = 1;
  let bestMag = -1;
  const mags = new Float64Array(n / 2);
  for (let k = 1; k < n / 2; k++) {
    const m = Math.hypot(re[k] as number, im[k] as number);
    mags[k] = m;
    if (m > bestMag) {
      bestMag = m;
      best = k;
    }
  }
  const a = Math.log((mags[best - 1] as number) + 1e-12);
  const b = Math.log((mags[best] as number) + 1e-12);
  const c = Math.log((mags[best + 1] ?? 0) + 1e-12);
  const denom = a - 2 * b + c;
  const delta = denom !== 0 ? (0.5 * (a - c)) / denom : 0;
  return ((best + delta) * sampleRate) / n;
}
