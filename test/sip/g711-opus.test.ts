import { describe, expect, it } from 'vitest';
import { dominantFrequency, rmsDbfs, tone } from '../../src/media/audio/index.js';
import { decodeAlawSample, decodeG711, decodeMulawSample, encodeAlawSample, encodeG711, encodeMulawSample } from '../../src/gateways/sip/g711.js';
import { Downsampler, Upsampler } from '../../src/gateways/sip/resample.js';

describe('G.711', () => {
  it('matches the reference code points', () => {
    expect(decodeMulawSample(0xff)).toBe(0);
    expect(decodeMulawSample(0x7f)).toBe(0);
    expect(decodeMulawSample(0x00)).toBe(-32124);
    expect(decodeMulawSample(0x80)).toBe(32124);
    expect(encodeMulawSample(0)).toBe(0xff);
    expect(encodeMulawSample(32767)).toBe(0x80);
    expect(encodeMulawSample(-32768)).toBe(0x00);
    expect(decodeAlawSample(0xd5)).toBe(8);
    expect(decodeAlawSample(0x55)).toBe(-8);
    expect(decodeAlawSample(0xaa)).toBe(32256);
    expect(decodeAlawSample(0x2a)).toBe(-32256);
    expect(encodeAlawSample(0)).toBe(0xd5);
    expect(encodeAlawSample(32767)).toBe(0xaa);
    expect(encodeAlawSample(-32768)).toBe(0x2a);
  });

  it('round-trips every code word and keeps the error within the segment step', () => {
    for (let b = 0; b < 256; b++) {
      const mu = decodeMulawSample(b);
      expect(decodeMulawSample(encodeMulawSample(mu))).toBe(mu);
      const a = decodeAlawSample(b);
      expect(decodeAlawSample(encodeAlawSample(a))).toBe(a);
    }
    for (let x = -32768; x <= 32767; x += 7) {
      const step = Math.max(16, Math.abs(x) / 16);
      expect(Math.abs(decodeMulawSample(encodeMulawSample(x)) - x)).toBeLessThanOrEqual(step + 16);
      expect(Math.abs(decodeAlawSample(encodeAlawSample(x)) - x)).toBeLessThanOrEqual(step + 16);
    }
  });

  it('carries a tone through both laws', () => {
    const pcm = tone({ frequency: 440, dbfs: -6, samples: 1600, sampleRate: 8000 });
    for (const law of ['pcmu', 'pcma'] as const) {
      const back = decodeG711(law, encodeG711(law, pcm));
      expect(Math.abs(dominantFrequency(back, 8000) - 440)).toBeLessThan(5);
      expect(Math.abs(rmsDbfs(back) - rmsDbfs(pcm))).toBeLessThan(0.5);
    }
  });
});

describe('8 kHz ↔ 48 kHz', () => {
  function run<T extends { process(x: Int16Array): Int16Array }>(r: T, signal: Int16Array, frame: number): Int16Array {
    const parts: Int16Array[] = [];
    for (let i = 0; i + frame <= signal.length; i += frame) parts.push(r.process(signal.subarray(i, i + frame)));
    const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  it('upsamples a 440 Hz tone frame by frame without changing pitch or level', () => {
    const input = tone({ frequency: 440, dbfs: -10, samples: 8000, sampleRate: 8000 });
    const out = run(new Upsampler(), input, 160);
    expect(out.length).toBe(48000);
    const steady = out.subarray(4800);
    expect(Math.abs(dominantFrequency(steady) - 440)).toBeLessThan(3);
    expect(Math.abs(rmsDbfs(steady) - rmsDbfs(input))).toBeLessThan(0.5);
  });

  it('downsamples 660 Hz correctly and suppresses content above the telephone band', () => {
    const input = tone({ frequency: 660, dbfs: -10, samples: 48000 });
    const out = run(new Downsampler(), input, 960);
    expect(out.length).toBe(8000);
    const steady = out.subarray(800);
    expect(Math.abs(dominantFrequency(steady, 8000) - 660)).toBeLessThan(3);
    expect(Math.abs(rmsDbfs(steady) - rmsDbfs(input))).toBeLessThan(0.5);
    // 5 kHz would alias to 3 kHz without the filter.
    const high = run(new Downsampler(), tone({ frequency: 5000, dbfs: -10, samples: 48000 }), 960).subarray(800);
    expect(rmsDbfs(high)).toBeLessThan(rmsDbfs(input) - 40);
  });
});
