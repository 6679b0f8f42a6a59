// The load tool's listener analysis with synthetic frames: onset latency, levels, spot checks.
import { describe, expect, it } from 'vitest';
import { tone } from '../../src/media/audio/index.js';
import { FRAME_SAMPLES } from '../../src/media/opus.js';
import { ToneAnalyzer } from '../../bench/lib/tone-analyzer.js';
import type { ReceivedFrame } from '../../bench/lib/pcm-ring.js';

const silence = new Int16Array(FRAME_SAMPLES);
const frame = (arrivedAt: number, pcm: Int16Array): ReceivedFrame => ({ arrivedAt, sequenceNumber: 0, timestamp: 0, concealed: false, pcm });
const beep = (frequency: number, dbfs = -28): Int16Array => tone({ frequency, dbfs, samples: FRAME_SAMPLES });

describe('ToneAnalyzer', () => {
  it('measures onset → first frame with the tone, and its level', () => {
    const a = new ToneAnalyzer();
    a.addProbe(0, 550, 1000, true);
    a.onFrame(frame(1010, silence));
    a.onFrame(frame(1030, beep(300))); // another talker: not ours
    a.onFrame(frame(1050, beep(550)));
    a.onFrame(frame(1070, beep(550)));
    a.onFrame(frame(1090, beep(550)));
    expect(a.latencies).toEqual([{ onset: 1000, ms: 50 }]);
    const s = a.slots.get(0);
    expect(s).toMatchObject({ expectedBursts: 1, heardBursts: 1, levels: 1 });
    expect((s?.levelSumDbfs ?? 0) / (s?.levels ?? 1)).toBeCloseTo(-28, 0);
  });

  it('counts an expected burst that never arrives as missed (also when no frames come at all)', () => {
    const a = new ToneAnalyzer();
    a.addProbe(1, 800, 0, true);
    a.expire(1000);
    expect(a.slots.get(1)).toMatchObject({ expectedBursts: 1, heardBursts: 0 });
  });

  it('spot-checks unexpected talkers mid-burst only', () => {
    const a = new ToneAnalyzer();
    a.addProbe(2, 1050, 0, false);
    a.addProbe(3, 1300, 0, false);
    a.onFrame(frame(20, beep(1300))); // before the window: ignored
    a.onFrame(frame(80, beep(1050)));
    a.onFrame(frame(100, silence));
    a.expire(1000);
    expect(a.slots.get(2)).toMatchObject({ unexpectedChecks: 1, unexpectedHeard: 1 });
    expect(a.slots.get(3)).toMatchObject({ unexpectedChecks: 1, unexpectedHeard: 0 });
  });
});
