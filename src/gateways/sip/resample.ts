// 8 kHz ↔ 48 kHz for the telephone leg: one windowed-sinc low-pass (cut-off 3.6 kHz at 48 kHz),
// used as a polyphase interpolator (×6) and as an anti-alias filter before decimation (÷6).
// Both keep their filter history, so consecutive 20 ms frames join without clicks.

export const RATIO = 6;
const TAPS = 96; // 16 taps per phase
const CUTOFF = 3600 / 48000;

function lowPass(): Float64Array {
  const h = new Float64Array(TAPS);
  const mid = (TAPS - 1) / 2;
  let sum = 0;
  for (let n = 0; n < TAPS; n++) {
    const x = n - mid;
    const sinc = x === 0 ? 2 * CUTOFF : Math.sin(2 * Math.PI * CUTOFF * x) / (Math.PI * x);
    const blackman = 0.42 - 0.5 * Math.cos((2 * Math.PI * n) / (TAPS - 1)) + 0.08 * Math.cos((4 * Math.PI * n) / (TAPS - 1));
    h[n] = sinc * blackman;
    sum += h[n] as number;
  }
  for (let n = 0; n < TAPS; n++) h[n] = (h[n] as number) / sum; // unity gain at DC
  return h;
}

const FILTER = lowPass();

function clamp16(v: number): number {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : Math.round(v);
}

/** 8 kHz → 48 kHz. */
export class Upsampler {
  private readonly history = new Float64Array(TAPS / RATIO);

  process(input: Int16Array): Int16Array {
    const per = TAPS / RATIO;
    const out = new Int16Array(input.length * RATIO);
    const buf = new Float64Array(per + input.length);
    buf.set(this.history);
    for (let i = 0; i < input.length; i++) buf[per + i] = input[i] as number;
    for (let i = 0; i < input.length; i++) {
      // Output sample i*6+p is the zero-stuffed signal convolved with the filter: only every 6th tap hits a sample.
      for (let p = 0; p < RATIO; p++) {
        let acc = 0;
        for (let k = 0; k < per; k++) acc += (buf[per + i - k] as number) * (FILTER[p + k * RATIO] as number);
        out[i * RATIO + p] = clamp16(acc * RATIO);
      }
    }
    this.history.set(buf.subarray(input.length, input.length + per));
    return out;
  }
}

/** 48 kHz → 8 kHz. */
export class Downsampler {
  private readonly history = new Float64Array(TAPS - 1);

  process(input: Int16Array): Int16Array {
    const keep = TAPS - 1;
    const buf = new Float64Array(keep + input.length);
    buf.set(this.history);
    for (let i = 0; i < input.length; i++) buf[keep + i] = input[i] as number;
    const out = new Int16Array(Math.floor(input.length / RATIO));
    for (let o = 0; o < out.length; o++) {
      const end = keep + o * RATIO + RATIO - 1;
      let acc = 0;
      for (let k = 0; k < TAPS; k++) acc += (buf[end - k] as number) * (FILTER[k] as number);
      out[o] = clamp16(acc);
    }
    this.history.set(buf.subarray(buf.length - keep));
    return out;
  }
}
