import { describe, expect, it } from 'vitest';
import { dbToGain, dominantFrequency, gainToDb, levelAt, peakDbfs, rmsDbfs, SILENCE_DBFS, tone } from '../../testkit/signal/index.js';

describe('DSP helpers', () => {
  it('generates tones at the requested peak level', () => {
    const t = tone({ frequency: 1000, dbfs: -6, samples: 4800 });
    expect(peakDbfs(t)).toBeCloseTo(-6, 1);
    expect(rmsDbfs(t)).toBeCloseTo(-6 - 3.01, 1);
  });

  it('keeps phase across frames with startSample', () => {
    const whole = tone({ frequency: 440, dbfs: -3, samples: 1920 });
    const second = tone({ frequency: 440, dbfs: -3, samples: 960, startSample: 960 });
    expect(Array.from(second)).toEqual(Array.from(whole.subarray(960)));
  });

  it('finds the dominant frequency', () => {
    for (const f of [200, 440, 880, 3150]) {
      expect(dominantFrequency(tone({ frequency: f, dbfs: -20, samples: 9600 }))).toBeCloseTo(f, 0);
    }
  });

  it('measures the level of each tone in a two-tone mix', () => {
    const a = tone({ frequency: 440, dbfs: -20, samples: 9600 });
    const b = tone({ frequency: 880, dbfs: -32, samples: 9600 });
    const mix = a.map((s, i) => s + (b[i] as number));
    expect(levelAt(mix, 440)).toBeCloseTo(-20, 1);
    expect(levelAt(mix, 880)).toBeCloseTo(-32, 1);
    expect(levelAt(mix, 1500)).toBeLessThan(-60);
  });

  it('reports silence at the floor and converts gains', () => {
    expect(rmsDbfs(new Int16Array(960))).toBe(SILENCE_DBFS);
    expect(peakDbfs(new Int16Array(960))).toBe(SILENCE_DBFS);
    expect(gainToDb(dbToGain(-12))).toBeCloseTo(-12, 9);
    expect(gainToDb(0)).toBe(-Infinity);
  });
});
