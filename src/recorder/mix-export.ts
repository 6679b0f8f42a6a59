// History export: the talks of several loops in a time range mixed into one track, as Ogg Opus or WAV.
// Unlike recording this decodes (each spurt once) and, for Ogg Opus, encodes — it runs on request,
// for one range, never on the live path.
import { join } from 'node:path';
import { softLimit } from '../media/mixer/limiter.js';
import { FRAME_SAMPLES, OpusFrameDecoder, OpusFrameEncoder } from '../media/opus.js';
import { OggOpusWriter } from './ogg/ogg-opus-writer.js';
import { parsePages } from './ogg/ogg-page.js';
import { readRecording, SealedRecordingError } from './recording-file.js';
import type { TalkRecord } from './repository.js';
import type { RecordingKeys } from './sealed/keys.js';

export type MixFormat = 'opus' | 'wav';

/** Longest range one export mixes (memory: 48 kHz float, 11.5 MB per minute while mixing). */
export const MAX_MIX_MS: Record<MixFormat, number> = { opus: 60 * 60_000, wav: 10 * 60_000 };

const SAMPLES_PER_MS = 48;

/** Decoded samples of one talk file, from its first audio packet on. */
async function decodeTalk(path: string, keys: RecordingKeys, open: boolean): Promise<Int16Array[]> {
  const { pages } = parsePages(await readRecording(path, keys, open));
  const decoder = new OpusFrameDecoder();
  const frames: Int16Array[] = [];
  for (const page of pages.slice(2)) {
    for (const packet of page.packets) {
      try {
        frames.push(decoder.decode(packet).slice());
      } catch {
        frames.push(decoder.conceal());
      }
    }
  }
  decoder.close();
  return frames;
}

/** Mixes the talks' audio into [fromMs, toMs): each talk at its wall-clock start, soft-limited. */
export async function mixTalks(dir: string, keys: RecordingKeys, talks: readonly TalkRecord[], fromMs: number, toMs: number): Promise<Int16Array> {
  const length = Math.max(0, Math.round((toMs - fromMs) * SAMPLES_PER_MS));
  const acc = new Float32Array(length);
  for (const talk of talks) {
    let frames: Int16Array[];
    try {
      frames = await decodeTalk(join(dir, talk.file), keys, talk.open);
    } catch (err) {
      if (err instanceof SealedRecordingError) throw err; // wrong key or tampered: the export fails, never silently short
      continue; // erased or purged meanwhile: nothing to mix
    }
    let at = Math.round((talk.startMs + talk.offsetMs - fromMs) * SAMPLES_PER_MS);
    for (const frame of frames) {
      for (let i = 0; i < frame.length; i++) {
        const k = at + i;
        if (k >= 0 && k < length) acc[k] = (acc[k] as number) + (frame[i] as number);
      }
      at += frame.length;
      if (at >= length) break;
    }
  }
  const out = new Int16Array(length);
  softLimit(acc, out);
  return out;
}

/** 48 kHz mono 16-bit PCM WAV. */
export function wavBytes(samples: Int16Array): Buffer {
  const data = samples.length * 2;
  const out = Buffer.alloc(44 + data);
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(36 + data, 4);
  out.write('WAVEfmt ', 8, 'latin1');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(1, 22); // mono
  out.writeUInt32LE(48000, 24);
  out.writeUInt32LE(96000, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'latin1');
  out.writeUInt32LE(data, 40);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i] as number, 44 + i * 2);
  return out;
}

/** Ogg Opus of the samples (20 ms frames, the last one zero-padded). */
export function oggOpusBytes(samples: Int16Array, comments: string[]): Buffer {
  const encoder = new OpusFrameEncoder();
  const writer = new OggOpusWriter({ comments, vendor: 'Loopcast history export' });
  const parts: Buffer[] = [writer.headers()];
  const frame = new Int16Array(FRAME_SAMPLES);
  for (let at = 0; at < samples.length; at += FRAME_SAMPLES) {
    frame.fill(0);
    frame.set(samples.subarray(at, Math.min(at + FRAME_SAMPLES, samples.length)));
    parts.push(writer.add(encoder.encode(frame), FRAME_SAMPLES));
  }
  parts.push(writer.end());
  encoder.close();
  return Buffer.concat(parts);
}
