// Encryption at rest: sealed spurt files hold no Ogg in the clear, decrypt to the Ogg Opus stream
// opusdec reads, survive a torn last chunk, and refuse a wrong key or a tampered byte.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dominantFrequency, tone } from '../../testkit/signal/index.js';
import { configFromEnv, resolveConfig } from '../../src/config/config.js';
import { InProcessLoopBus } from '../../src/media/loopbus/index.js';
import { FRAME_SAMPLES, OpusFrameEncoder } from '../../src/media/opus.js';
import { serializeRtp } from '../../src/media/rtp.js';
import { seqAdd, tsAdd } from '../../src/media/rtp/sequence.js';
import { readRecording, SealedRecordingError } from '../../src/recorder/recording-file.js';
import { Recorder } from '../../src/recorder/recorder.js';
import { ChunkSealer, openSealed } from '../../src/recorder/sealed/chunks.js';
import { NO_KEYS, recordingKeys, type RecordingKeys } from '../../src/recorder/sealed/keys.js';
import { decodeOggOpus } from './opusdec.js';

const KEY = '11'.repeat(32);
const OTHER = Buffer.alloc(32, 0x22).toString('base64');
const T0 = Date.UTC(2026, 11, 1, 10, 0, 0);
const LOOP = 'project/mcc/loop1';
let dir: string;
let recorder: Recorder | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loopcast-sealed-'));
});
afterEach(async () => {
  recorder?.close();
  recorder = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** Records `frames` 20 ms packets of 440 Hz, flushing every 25 (0.5 s); returns the talk's file. */
function record(keys: RecordingKeys, frames: number, end = true): { file: string; rec: Recorder } {
  const bus = new InProcessLoopBus();
  let now = T0;
  const rec = Recorder.open({ dir, bus, keys, log: pino({ level: 'silent' }), now: () => now, flushMs: 1_000_000, identify: () => ({ user: 'alice', role: 'flight' }) });
  recorder = rec;
  rec.setLoops([{ key: LOOP, scope: 'project/mcc', loopId: 'loop1' }]);
  const h = bus.join(LOOP);
  const enc = new OpusFrameEncoder();
  for (let i = 0; i < frames; i++, now += 20) {
    const pcm = tone({ frequency: 440, dbfs: -12, samples: FRAME_SAMPLES, startSample: i * FRAME_SAMPLES });
    h.send(serializeRtp({ payloadType: 100, sequenceNumber: seqAdd(0, i), timestamp: tsAdd(1000, i * FRAME_SAMPLES), ssrc: 11, marker: false, payload: enc.encode(pcm) }));
    if (i % 25 === 24) rec.flush();
  }
  enc.close();
  if (end) {
    now += 2000;
    rec.flush();
  }
  const rows = rec.repo.search({ loops: [LOOP], fromMs: T0, toMs: T0 + 60_000, limit: 10 });
  expect(rows.length).toBe(1);
  return { file: join(dir, rows[0]!.file), rec };
}

async function decodePlain(plain: Buffer): Promise<Int16Array> {
  const path = join(dir, 'plain.opus');
  writeFileSync(path, plain);
  return decodeOggOpus(path);
}

describe('sealed recordings', () => {
  it('without a key, files stay plain Ogg Opus', () => {
    const { file } = record(NO_KEYS, 50);
    expect(readFileSync(file).subarray(0, 4).toString('latin1')).toBe('OggS');
  });

  it('with a key, the file holds no Ogg page in the clear and decrypts to the stream opusdec reads', async () => {
    const keys = recordingKeys(KEY);
    const { file, rec } = record(keys, 150);
    const onDisk = readFileSync(file);
    expect(onDisk.includes(Buffer.from('OggS'))).toBe(false);
    expect(onDisk.includes(Buffer.from('OpusHead'))).toBe(false);
    const row = rec.repo.search({ loops: [LOOP], fromMs: T0, toMs: T0 + 60_000, limit: 1 })[0]!;
    expect(row.bytes).toBe(onDisk.length);
    const pcm = await decodePlain(await readRecording(file, keys));
    expect(Math.abs(pcm.length / 48 - 3000)).toBeLessThanOrEqual(20);
    expect(Math.abs(dominantFrequency(pcm.subarray(48 * 100, 48 * 2900)) - 440)).toBeLessThanOrEqual(10);
  });

  it('refuses a wrong key, a missing key and a tampered byte with a clear error; an old key still opens', async () => {
    const { file } = record(recordingKeys(KEY), 50);
    await expect(readRecording(file, recordingKeys(OTHER))).rejects.toThrow(/not configured/);
    await expect(readRecording(file, NO_KEYS)).rejects.toThrow(SealedRecordingError);
    // After a rotation: the new key seals, the old one still opens what it sealed.
    expect((await readRecording(file, recordingKeys(OTHER, [KEY]))).subarray(0, 4).toString('latin1')).toBe('OggS');
    const buf = readFileSync(file);
    for (const at of [40, Math.floor(buf.length / 2), buf.length - 1]) {
      const bad = Buffer.from(buf);
      bad[at] = (bad[at] as number) ^ 0x01;
      writeFileSync(file, bad);
      await expect(readRecording(file, recordingKeys(KEY))).rejects.toThrow(/wrong key or tampered|invalid head/);
    }
  });

  it('refuses chunks moved to another place, and a closed file cut short', () => {
    const keys = recordingKeys(KEY);
    const sealer = ChunkSealer.create(keys.current!);
    const a = sealer.seal(Buffer.from('first'));
    const b = sealer.seal(Buffer.from('second'));
    const fin = sealer.seal(Buffer.alloc(0), true);
    expect(openSealed(Buffer.concat([sealer.header, a, b, fin]), keys).plain.toString()).toBe('firstsecond');
    expect(() => openSealed(Buffer.concat([sealer.header, b, a, fin]), keys)).toThrow(/fails authentication/);
    // A chunk of another file under the same key.
    const other = ChunkSealer.create(keys.current!);
    expect(() => openSealed(Buffer.concat([sealer.header, other.seal(Buffer.from('first'))]), keys)).toThrow(/fails authentication/);
    expect(openSealed(Buffer.concat([sealer.header, a, b]), keys).complete).toBe(false);
  });

  it('recovery after a kill keeps every whole chunk, cuts a torn last one and closes the file', async () => {
    const keys = recordingKeys(KEY);
    // 2 s recorded, flushed in 0.5 s chunks; the recorder "dies" without ending the spurt.
    const { file, rec } = record(keys, 100, false);
    const whole = readFileSync(file).length;
    // A kill in the middle of the next write leaves part of a chunk.
    const torn = ChunkSealer.create(keys.current!).seal(Buffer.alloc(3000, 7));
    appendFileSync(file, torn.subarray(0, 1000));
    rec.repo.close();
    recorder = undefined;
    recorder = Recorder.open({ dir, bus: new InProcessLoopBus(), keys, log: pino({ level: 'silent' }), identify: () => undefined });
    const row = recorder.repo.search({ loops: [LOOP], fromMs: T0, toMs: T0 + 60_000, limit: 1 })[0]!;
    expect(row.open).toBe(false);
    expect(row.endMs - T0).toBe(2000);
    const after = readFileSync(file);
    expect(after.length).toBeGreaterThan(whole); // cut to the whole chunks, then the final chunk
    expect(row.bytes).toBe(after.length);
    const pcm = await decodePlain(await readRecording(file, keys));
    expect(Math.abs(pcm.length / 48 - 2000)).toBeLessThanOrEqual(20);
    expect(Math.abs(dominantFrequency(pcm.subarray(48 * 100, 48 * 1900)) - 440)).toBeLessThanOrEqual(10);
  });

  it('recovery leaves a file it cannot open alone (never deleted for a wrong key)', () => {
    const { file, rec } = record(recordingKeys(KEY), 50, false);
    rec.repo.close();
    recorder = Recorder.open({ dir, bus: new InProcessLoopBus(), keys: recordingKeys(OTHER), log: pino({ level: 'silent' }), identify: () => undefined });
    expect(readFileSync(file).length).toBeGreaterThan(0);
    expect(recorder.repo.openTalks().length).toBe(1);
  });
});

describe('recording key configuration', () => {
  it('takes the key from LOOPCAST_RECORDER_KEY next to the file\'s recorder section, and rejects a bad key without showing it', () => {
    const config = resolveConfig({ recorder: { retentionDays: 7 } }, configFromEnv({ LOOPCAST_RECORDER_KEY: KEY }));
    expect(config.recorder.retentionDays).toBe(7);
    expect(recordingKeys(config.recorder.encryptionKey, config.recorder.oldEncryptionKeys).current?.key.equals(Buffer.alloc(32, 0x11))).toBe(true);
    const secret = 'c2VjcmV0LWJ1dC10b28tc2hvcnQ=';
    let message = '';
    try {
      resolveConfig(configFromEnv({ LOOPCAST_RECORDER_KEY: secret }));
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/recorder\.encryptionKey: must be 32 bytes/);
    expect(message).not.toContain(secret);
  });
});
