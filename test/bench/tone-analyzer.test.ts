// The load tool's listener analysis with synthetic frames: onset latency, levels, spot checks.
import { describe, expect, it } from 'vitest';
import { levelAt, tone } from '../../testkit/signal/index.js';
import { FRAME_SAMPLES } from '../../src/media/opus.js';
import { slotFrequencies, slotPattern } from '../../bench/lib/talk.js';
import { HEARD_DBFS, ONSET_DBFS, ToneAnalyzer } from '../../bench/lib/tone-analyzer.js';
import type { ReceivedFrame } from '../../testkit/pcm-ring.js';
import { seededRandom as prng } from '../../testkit/random.js';

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
    a.onFrame(frame(40, silence));
    a.onFrame(frame(60, beep(1050)));
    a.onFrame(frame(80, silence));
    a.expire(1000);
    expect(a.slots.get(2)).toMatchObject({ unexpectedChecks: 1, unexpectedHeard: 1 });
    expect(a.slots.get(3)).toMatchObject({ unexpectedChecks: 1, unexpectedHeard: 0 });
  });
});

describe('ToneAnalyzer: decoding only what it analyses', () => {
  /** One downlink packet every 20 ms (RTP timestamps advancing), decoded only if the analyser wants it. */
  function stream(a: ToneAnalyzer, from: number, to: number, pcm: (at: number) => Int16Array, tracked = true): number[] {
    const decoded: number[] = [];
    for (let at = from, ts = 0; at <= to; at += 20, ts += FRAME_SAMPLES) {
      if (tracked) a.onPacket(at, ts);
      if (!a.wantsAudio(at)) continue;
      decoded.push(at);
      a.onFrame({ arrivedAt: at, sequenceNumber: 0, timestamp: ts, concealed: false, pcm: pcm(at) });
    }
    return decoded;
  }

  it('wants nothing without probes, an expected probe from its onset until it is done', () => {
    const a = new ToneAnalyzer();
    expect(stream(a, 0, 400, () => beep(550))).toEqual([]);
    a.addProbe(0, 550, 1000, 'expected');
    // Frames before the tone arrives warm the decoder up; after detection two more frames read the level.
    const decoded = stream(a, 1020, 1400, (at) => (at >= 1060 ? beep(550) : beep(300)));
    expect(decoded).toEqual([1020, 1040, 1060, 1080, 1100]);
    expect(a.latencies).toEqual([{ onset: 1000, ms: 60 }]);
  });

  it('wants a spot check\'s frames from two frames before its window to its end', () => {
    const a = new ToneAnalyzer();
    a.addProbe(2, 1050, 1000, 'unexpected');
    const decoded = stream(a, 1000, 1400, () => silence);
    expect(decoded[0]).toBe(1020);
    expect(decoded.at(-1)).toBeLessThanOrEqual(1180);
    a.expire(2000);
    expect(a.slots.get(2)).toMatchObject({ unexpectedChecks: 1, unexpectedHeard: 0 });
  });

  it('tells spurt starts from packets, not from the frames it decoded', () => {
    // Audio flows all along (a packet every 20 ms); only three frames are decoded, the first with the
    // tone. Tracked by packets, that frame is mid-spurt and checked; judged by decoded frames alone it
    // follows a gap, looks like a spurt start and is skipped, and the tone is missed.
    const heard = (tracked: boolean): number => {
      const a = new ToneAnalyzer();
      a.addProbe(2, 1050, 1000, 'unexpected');
      for (let at = 0, ts = 0; at <= 1100; at += 20, ts += FRAME_SAMPLES) {
        if (tracked) a.onPacket(at, ts);
        if (at >= 1060) a.onFrame({ arrivedAt: at, sequenceNumber: 0, timestamp: ts, concealed: false, pcm: at === 1060 ? beep(1050) : silence });
      }
      a.expire(2000);
      return a.slots.get(2)?.unexpectedHeard ?? -1;
    };
    expect(heard(true)).toBe(1);
    expect(heard(false)).toBe(0);
  });
});


/**
 * A spurt-start click like the one measured at the listeners: a few ms of broadband energy that reads
 * about −40 dBFS at any single frequency, i.e. above the spot-check threshold.
 */
function click(seed = 1, withTone?: number): Int16Array {
  const random = prng(seed);
  const pcm = withTone === undefined ? new Int16Array(FRAME_SAMPLES) : beep(withTone);
  for (let i = 360; i < 600; i++) pcm[i] = Math.max(-32768, Math.min(32767, (pcm[i] as number) + Math.round((random() * 2 - 1) * 20000)));
  return pcm;
}

describe('ToneAnalyzer: the false-hearing mechanisms of issue 13', () => {
  it('(b) a spurt-start click inside a spot check is not "hearing" a talker (nor its own voice)', () => {
    // Precondition: the click alone clears the spot-check level at the probed frequencies.
    for (const f of [300, 1025, 4295]) expect(levelAt(click(), f)).toBeGreaterThan(HEARD_DBFS);
    for (const seed of [1, 2, 3, 4, 5]) {
      const a = new ToneAnalyzer();
      a.addProbe(4, 1025, 0, 'unexpected');
      a.addProbe(5, 300, 0, 'own');
      // Silence in the downlink, then a talk spurt starts with the click exactly in the spot window…
      a.onFrame({ ...frame(80, click(seed)), timestamp: 96_000 });
      // …and continues with another talker's tone, whose spurt start clicks again mid-stream.
      a.onFrame({ ...frame(100, click(seed + 10, 1875)), timestamp: 96_960 });
      a.onFrame({ ...frame(120, beep(1875)), timestamp: 97_920 });
      a.expire(1000);
      expect(a.slots.get(4)).toMatchObject({ unexpectedChecks: 1, unexpectedHeard: 0 });
      expect(a.slots.get(5)).toMatchObject({ ownChecks: 1, ownHeard: 0 });
    }
  });

  it('(b) a real tone is still heard in a spot check, also mixed with five others', () => {
    const a = new ToneAnalyzer();
    a.addProbe(4, 1025, 0, 'unexpected');
    a.addProbe(5, 300, 0, 'own');
    const mix = new Int16Array(FRAME_SAMPLES);
    for (const f of [300, 425, 1025, 1875, 2235, 4295]) {
      const t = tone({ frequency: f, dbfs: -30, samples: FRAME_SAMPLES });
      for (let i = 0; i < FRAME_SAMPLES; i++) mix[i] = (mix[i] as number) + (t[i] as number);
    }
    a.onFrame({ ...frame(60, mix), timestamp: 0 });
    a.onFrame({ ...frame(80, mix), timestamp: 960 });
    a.expire(1000);
    expect(a.slots.get(4)).toMatchObject({ unexpectedHeard: 1 });
    expect(a.slots.get(5)).toMatchObject({ ownHeard: 1 });
  });

  it('onset latency is not taken from another talker\'s click that arrives before the tone', () => {
    const a = new ToneAnalyzer();
    a.addProbe(0, 1025, 1000, 'expected');
    expect(levelAt(click(7), 1025)).toBeGreaterThan(ONSET_DBFS);
    a.onFrame(frame(1008, click(7))); // another talker's spurt starts: broadband, 8 ms after our onset
    a.onFrame(frame(1028, beep(1875)));
    a.onFrame(frame(1048, beep(1025))); // ours arrives
    expect(a.latencies).toEqual([{ onset: 1000, ms: 48 }]);
  });

  it('an onset is the first frame in which the tone rises, also when it holds only its last milliseconds next to a louder talker', () => {
    const other = (): Int16Array => beep(425, -25);
    const partial = (): Int16Array => {
      // Our tone in the frame's last 7 ms only (two codec look-aheads and the fade-in), over the other talker.
      const mix = other();
      const ours = beep(1025, -28);
      for (let i = FRAME_SAMPLES - 336; i < FRAME_SAMPLES; i++) mix[i] = (mix[i] as number) + (ours[i] as number);
      return mix;
    };
    const a = new ToneAnalyzer();
    a.addProbe(0, 1025, 1000, 'expected');
    a.onFrame(frame(1004, other()));
    const first = partial();
    expect(levelAt(first, 1025)).toBeGreaterThan(ONSET_DBFS);
    a.onFrame(frame(1024, first)); // fails the tonal margin next to the louder tone, but rose from nothing
    a.onFrame(frame(1044, beep(1025)));
    expect(a.latencies).toEqual([{ onset: 1000, ms: 24 }]);

    // The rise rule does not take another talker's spurt-start click over a running stream for our tone.
    const b = new ToneAnalyzer();
    b.addProbe(0, 1025, 1000, 'expected');
    b.onFrame(frame(1004, beep(425)));
    b.onFrame(frame(1024, click(3, 425)));
    b.onFrame(frame(1044, beep(1025)));
    expect(b.latencies).toEqual([{ onset: 1000, ms: 44 }]);
  });

  it('(a) a probe whose slot changed hands before it ended is dropped, not booked as own voice', () => {
    // B takes over slot 3 (tone 725 Hz) from A. B's own-voice probe was classified at the onset; A's last
    // frames (the same slot tone) reach B, and the slot changed hands during the probe.
    let holder = 'B';
    const a = new ToneAnalyzer();
    a.addProbe(3, 725, 0, 'own', () => holder === 'B');
    holder = 'A'; // the handover (either direction) voids the classification
    a.onFrame(frame(60, beep(725)));
    a.onFrame(frame(80, beep(725)));
    a.expire(1000);
    expect(a.slots.get(3)).toMatchObject({ ownChecks: 0, ownHeard: 0, dropped: 1 });
    // The same probe with the holder unchanged still reports a real own-voice leak.
    const b = new ToneAnalyzer();
    b.addProbe(3, 725, 0, 'own', () => true);
    b.onFrame(frame(60, beep(725)));
    b.onFrame(frame(80, beep(725)));
    b.expire(1000);
    expect(b.slots.get(3)).toMatchObject({ ownChecks: 1, ownHeard: 1, dropped: 0 });
  });
});

describe('talker signals', () => {
  it('talkers have different rhythms, so their bursts drift through each other', () => {
    const periods = [0, 1, 2, 3, 4, 5].map((t) => {
      const p = slotPattern({ burstMs: 200, pauseMs: 300, dbfs: -16 }, t);
      return p.burstMs + p.pauseMs;
    });
    expect(new Set(periods).size).toBe(6);
  });

  it('no second- or third-order product of two talkers lands on a third talker (725 − 425 = 300 Hz)', () => {
    const f = slotFrequencies(8);
    for (const a of f)
      for (const b of f) {
        if (a === b) continue;
        for (const c of f) {
          if (c === a || c === b) continue;
          expect(Math.abs(Math.abs(a - b) - c), `${a} − ${b} vs ${c}`).toBeGreaterThanOrEqual(60);
          expect(Math.abs(a + b - c), `${a} + ${b} vs ${c}`).toBeGreaterThanOrEqual(60);
          expect(Math.abs(2 * a - b - c), `2·${a} − ${b} vs ${c}`).toBeGreaterThanOrEqual(125);
        }
      }
  });
});
