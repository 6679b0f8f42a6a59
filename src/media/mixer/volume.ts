// Volume curve: user volume 0..100 -> linear gain applied to a loop in a listener's mix.
//
//   gain(v) = 0                  for v <= 0 (mute)
//   gain(v) = (v / 100)^2        for 0 < v <= 100 (v is clamped to 100)
//   level   = 40 * log10(v / 100) dB
//
// So 100 = unity (0 dB), 71 = -5.95 dB, 50 = -12.04 dB, 25 = -24.08 dB, 10 = -40 dB, 1 = -80 dB.
// A square law is monotonic, needs no table, halves perceived loudness roughly every 15 steps near
// the top and still reaches near-silence at the bottom (documented in docs/media.md).

export const UNITY_VOLUME = 100;

export function volumeToGain(volume: number): number {
  if (!(volume > 0)) return 0; // also maps NaN to mute
  const v = Math.min(volume, UNITY_VOLUME) / UNITY_VOLUME;
  return v * v;
}

/** The curve in dB (-Infinity for mute); what tests and the admin UI display. */
export function volumeToDb(volume: number): number {
  const g = volumeToGain(volume);
  return g > 0 ? 20 * Math.log10(g) : -Infinity;
}
