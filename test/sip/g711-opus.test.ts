import { describe, expect, it } from 'vitest';
import { dominantFrequency, rmsDbfs, tone } from '../../testkit/signal/index.js';
import { decodeAlawSample, decodeG711, decodeMulawSample, encodeAlawSample, encodeG711, encodeMulawSample } from '../../src/gateways/sip/g711.js';
import { NarrowbandDecoder, NarrowbandEncoder } from '../../src/gateways/sip/narrowband-opus.js';
import { OpusFrameDecoder } from '../../src/media/opus.js';

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

describe('Opus at 8 kHz', () => {
  it('a narrowband packet plays at 48 kHz on the loop with the same pitch and level', () => {
    const input = tone({ frequency: 440, dbfs: -10, samples: 8000, sampleRate: 8000 });
    const encoder = new NarrowbandEncoder();
    const loopDecoder = new OpusFrameDecoder();
    const out: Int16Array[] = [];
    for (let i = 0; i + 160 <= input.length; i += 160) out.push(loopDecoder.decode(encoder.encode(input.subarray(i, i + 160))));
    const steady = Int16Array.from(out.slice(10).flatMap((f) => [...f]));
    expect(Math.abs(dominantFrequency(steady) - 440)).toBeLessThan(3);
    expect(Math.abs(rmsDbfs(steady) - rmsDbfs(input))).toBeLessThan(1);
  });

  it('a 48 kHz loop packet decodes to 8 kHz with the same pitch, and the band above 4 kHz is gone', async () => {
    const { OpusFrameEncoder } = await import('../../src/media/opus.js');
    for (const [frequency, audible] of [[660, true], [6000, false]] as const) {
      const encoder = new OpusFrameEncoder();
      const decoder = new NarrowbandDecoder();
      const signal = tone({ frequency, dbfs: -10, samples: 48000 });
      const out: Int16Array[] = [];
      for (let i = 0; i + 960 <= signal.length; i += 960) out.push(decoder.decode(encoder.encode(signal.subarray(i, i + 960))));
      const steady = Int16Array.from(out.slice(10).flatMap((f) => [...f]));
      expect(steady.length).toBe(160 * 40);
      if (audible) {
        expect(Math.abs(dominantFrequency(steady, 8000) - frequency)).toBeLessThan(3);
        expect(Math.abs(rmsDbfs(steady) - rmsDbfs(signal))).toBeLessThan(1);
      } else {
        expect(rmsDbfs(steady)).toBeLessThan(rmsDbfs(signal) - 30);
      }
    }
  });
});
