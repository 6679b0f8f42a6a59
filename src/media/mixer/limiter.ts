// Soft limiter: converts a float mix (int16 units) to int16 without hard clipping. Below the knee
// (-6 dBFS) samples pass unchanged, so normal mixes are bit-transparent; above it a tanh curve
// approaches full scale asymptotically with slope 1 at the knee (no kink, far less harsh than clipping).

const FULL = 32767;
export const KNEE = 0.5 * FULL; // -6.02 dBFS
const RANGE = FULL - KNEE;

/** Writes limited samples of `mix` into `out` (same length). Allocation-free. */
export function softLimit(mix: Float32Array, out: Int16Array): void {
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const x = mix[i] as number;
    const a = x < 0 ? -x : x;
    // Round the magnitude: Math.round rounds halves up, which would make negatives differ by one.
    const y = Math.round(a <= KNEE ? a : KNEE + RANGE * Math.tanh((a - KNEE) / RANGE));
    out[i] = x < 0 ? -y : y;
  }
}
