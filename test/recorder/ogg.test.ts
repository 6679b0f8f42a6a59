// The Ogg Opus writer against an independent reader (opusdec), and the page parser used for recovery.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dominantFrequency, levelAt, rmsDbfs, tone } from '../../testkit/signal/index.js';
import { FRAME_SAMPLES, OpusFrameEncoder } from '../../src/media/opus.js';
import { OggOpusWriter } from '../../src/recorder/ogg/ogg-opus-writer.js';
import { oggCrc, parsePages, serializePage } from '../../src/recorder/ogg/ogg-page.js';
import { OPUS_SILENCE_20MS, opusPacketSamples } from '../../src/recorder/ogg/opus-packet.js';
import { decodeOggOpus } from './opusdec.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loopcast-ogg-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function encodeTone(frequency: number, frames: number): Buffer[] {
  const enc = new OpusFrameEncoder();
  const out: Buffer[] = [];
  for (let i = 0; i < frames; i++) out.push(enc.encode(tone({ frequency, dbfs: -12, samples: FRAME_SAMPLES, startSample: i * FRAME_SAMPLES })));
  return out;
}

describe('Ogg CRC and pages', () => {
  it('computes the Ogg CRC-32 check value', () => {
    // CRC-32/MPEG-2 without final xor and init 0 ("CRC-32/BZIP2" family, Ogg variant): check of "123456789".
    expect(oggCrc(Buffer.from('123456789')).toString(16)).toBe('89a1897f');
  });

  it('round-trips pages and stops at a torn or corrupted page', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 600 }), { minLength: 1, maxLength: 20 }), fc.nat(), (packets, cut) => {
        const pages = packets.map((p, i) => serializePage({ headerType: 0, granule: BigInt(i * 960), serial: 7, sequence: i, packets: [Buffer.from(p)] }));
        const all = Buffer.concat(pages);
        const parsed = parsePages(all);
        expect(parsed.pages.map((p) => Buffer.concat(p.packets).toString('hex'))).toEqual(packets.map((p) => Buffer.from(p).toString('hex')));
        const at = cut % all.length;
        const torn = parsePages(all.subarray(0, at));
        const whole = { n: 0, sum: 0 };
        for (const p of pages) {
          if (whole.sum + p.length > at) break;
          whole.n++;
          whole.sum += p.length;
        }
        expect(torn.pages.length).toBe(whole.n);
        expect(torn.validBytes).toBe(whole.sum);
        const flipped = Buffer.from(all);
        flipped[all.length - 1] = (flipped[all.length - 1] as number) ^ 0x01;
        expect(parsePages(flipped).pages.length).toBe(pages.length - 1);
      }),
      { seed: 15, numRuns: 100 },
    );
  });
});

describe('Opus packets', () => {
  it('reads packet durations from the TOC and the silence frame is 20 ms', () => {
    expect(opusPacketSamples(OPUS_SILENCE_20MS)).toBe(960);
    for (const p of encodeTone(440, 3)) expect(opusPacketSamples(p)).toBe(960);
    expect(opusPacketSamples(Buffer.from([0x03]))).toBeUndefined();
    expect(opusPacketSamples(Buffer.alloc(0))).toBeUndefined();
  });
});

describe('OggOpusWriter', () => {
  it('writes a file opusdec decodes to the same tones at the same times, silence frames included', async () => {
    const w = new OggOpusWriter({ comments: ['LOOPCAST_LOOP=loop1'] });
    const parts: Buffer[] = [w.headers()];
    // 1 s of 440 Hz, 0.5 s of silence frames, 1 s of 660 Hz.
    for (const p of encodeTone(440, 50)) parts.push(w.add(p, 960));
    for (let i = 0; i < 25; i++) parts.push(w.add(OPUS_SILENCE_20MS, 960));
    for (const p of encodeTone(660, 50)) parts.push(w.add(p, 960));
    parts.push(w.end());
    const file = join(dir, 'tones.opus');
    await writeFile(file, Buffer.concat(parts));
    const pcm = await decodeOggOpus(file);
    expect(Math.abs(pcm.length - 125 * 960)).toBeLessThanOrEqual(960);
    const at = (fromMs: number, toMs: number) => pcm.subarray((fromMs * 48) | 0, (toMs * 48) | 0);
    expect(Math.abs(dominantFrequency(at(100, 900)) - 440)).toBeLessThanOrEqual(10);
    expect(rmsDbfs(at(1100, 1400))).toBeLessThan(-60);
    expect(Math.abs(dominantFrequency(at(1600, 2400)) - 660)).toBeLessThanOrEqual(10);
    expect(levelAt(at(1600, 2400), 660)).toBeGreaterThan(-20);
  });
});
