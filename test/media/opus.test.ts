import { describe, expect, it } from 'vitest';
import opus from '@discordjs/opus';
import { FRAME_SAMPLES, OpusFrameDecoder, OpusFrameEncoder } from '../../src/media/opus.js';
import { concat, dominantFrequency, frames, levelAt, rmsDbfs, tone } from '../../testkit/signal/index.js';

const FRAMES = 25; // 500 ms

function roundTrip(signal: Int16Array, enc = new OpusFrameEncoder(), dec = new OpusFrameDecoder()): Int16Array {
  return concat(frames(signal, FRAME_SAMPLES).map((f) => dec.decode(enc.encode(f))));
}

describe('Opus wrapper', () => {
  it('keeps a 440 Hz tone at 440 Hz and its level', () => {
    const input = tone({ frequency: 440, dbfs: -12, samples: FRAMES * FRAME_SAMPLES });
    const out = roundTrip(input);
    expect(out.length).toBe(input.length);
    const tail = out.subarray(5 * FRAME_SAMPLES); // skip codec start-up
    expect(Math.abs(dominantFrequency(tail) - 440)).toBeLessThanOrEqual(15);
    expect(levelAt(tail, 440)).toBeCloseTo(-12, 0);
  });

  it('low-delay mode (the downlink default) delays a tone onset 4 ms less and keeps the tone', () => {
    const onsetMs = (application: 'audio' | 'lowdelay'): number => {
      const out = roundTrip(concat([new Int16Array(2 * FRAME_SAMPLES), tone({ frequency: 440, dbfs: -12, samples: 10 * FRAME_SAMPLES })]), new OpusFrameEncoder({ application }));
      const first = out.findIndex((s) => Math.abs(s) > 300);
      expect(levelAt(out.subarray(6 * FRAME_SAMPLES), 440)).toBeCloseTo(-12, 0);
      return (first - 2 * FRAME_SAMPLES) / 48;
    };
    const audio = onsetMs('audio');
    const lowDelay = onsetMs('lowdelay');
    expect(audio - lowDelay).toBeGreaterThanOrEqual(3.5);
    expect(lowDelay).toBeLessThan(3);
  });

  it('decodes to exactly 960 samples and conceals exactly 960 samples', () => {
    const enc = new OpusFrameEncoder({ bitrate: 24000, complexity: 3, dtx: true, fec: true });
    const dec = new OpusFrameDecoder();
    const sig = frames(tone({ frequency: 300, dbfs: -10, samples: 10 * FRAME_SAMPLES }), FRAME_SAMPLES);
    for (const f of sig) expect(dec.decode(enc.encode(f)).length).toBe(FRAME_SAMPLES);
    const plc = dec.conceal();
    expect(plc.length).toBe(FRAME_SAMPLES);
    // Plausible concealment: continues the tone (audible, not louder than the original).
    expect(rmsDbfs(plc)).toBeGreaterThan(-40);
    expect(rmsDbfs(plc)).toBeLessThan(-10);
    // The stream stays decodable after concealment.
    expect(dec.decode(enc.encode(sig[0] as Int16Array)).length).toBe(FRAME_SAMPLES);
  });

  it('documents the binding: decode(null) throws, empty input yields 120 ms of PLC', () => {
    const native = new opus.OpusEncoder(48000, 1);
    expect(() => native.decode(null as unknown as Buffer)).toThrow(TypeError);
    expect(native.decode(Buffer.alloc(0)).length / 2).toBe(6 * FRAME_SAMPLES);
  });

  it('rejects frames of the wrong size and use after close', () => {
    const enc = new OpusFrameEncoder();
    expect(() => enc.encode(new Int16Array(480))).toThrow(RangeError);
    enc.close();
    expect(() => enc.encode(new Int16Array(FRAME_SAMPLES))).toThrow(/closed/);
    const dec = new OpusFrameDecoder();
    dec.close();
    expect(() => dec.conceal()).toThrow(/closed/);
  });

  it('throws on corrupted packets so callers can conceal instead', () => {
    expect(() => new OpusFrameDecoder().decode(Buffer.from([0xff, 0xff, 0xff]))).toThrow();
  });

  it('reset() makes a used encoder behave like a fresh one', () => {
    const sig = frames(tone({ frequency: 1000, dbfs: -6, samples: 5 * FRAME_SAMPLES }), FRAME_SAMPLES);
    const fresh = new OpusFrameEncoder();
    const used = new OpusFrameEncoder();
    for (const f of sig) used.encode(f);
    used.reset();
    expect(used.encode(sig[0] as Int16Array).equals(fresh.encode(sig[0] as Int16Array))).toBe(true);
  });

  it('conceals consecutive losses as one continuous fade, not a restart per frame', () => {
    const enc = new OpusFrameEncoder();
    const dec = new OpusFrameDecoder();
    for (let i = 0; i < 20; i++) dec.decode(enc.encode(tone({ frequency: 440, dbfs: -12, samples: FRAME_SAMPLES, startSample: i * FRAME_SAMPLES })));
    const levels = [1, 2, 3].map(() => levelAt(dec.conceal(), 440));
    expect(levels[0]).toBeGreaterThan(-16);
    for (let i = 1; i < levels.length; i++) expect((levels[i - 1] as number) - (levels[i] as number)).toBeLessThan(6);
    expect(levels[2]).toBeGreaterThan(-25);
  });
});
