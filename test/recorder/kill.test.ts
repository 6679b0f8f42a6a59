// SIGKILL during recording, then restart: everything up to the last second before the kill plays,
// for plain files and for files sealed with a key (recovery keeps the whole chunks).
import { readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dominantFrequency, levelAt } from '../../testkit/signal/index.js';
import { InProcessLoopBus } from '../../src/media/loopbus/index.js';
import { Recorder } from '../../src/recorder/recorder.js';
import { readRecording } from '../../src/recorder/recording-file.js';
import { NO_KEYS, recordingKeys, type RecordingKeys } from '../../src/recorder/sealed/keys.js';
import { decodeOggOpus } from './opusdec.js';

const CHILD = fileURLToPath(new URL('./record-child.ts', import.meta.url));
const KEY = 'ab'.repeat(32);
let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'loopcast-kill-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The file as opusdec reads it: sealed files decrypted first (checking no Ogg is on disk). */
async function decodeTalk(path: string, keys: RecordingKeys): Promise<Int16Array> {
  if (!keys.current) return decodeOggOpus(path);
  expect(readFileSync(path).includes(Buffer.from('OggS'))).toBe(false);
  const plain = `${path}.plain.opus`;
  writeFileSync(plain, await readRecording(path, keys));
  return decodeOggOpus(plain);
}

it.each([
  ['plain', undefined],
  ['sealed', KEY],
])('keeps everything up to the last second before a SIGKILL (%s files)', async (name, key) => {
  const dir = join(root, name);
  const keys = key ? recordingKeys(key) : NO_KEYS;
  const env = { ...process.env, LOOPCAST_RECORDER_KEY: key ?? '' };
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir], { stdio: ['ignore', 'pipe', 'inherit'], env });
  let started = 0;
  let last = 0;
  let buffered = '';
  child.stdout.on('data', (d: Buffer) => {
    buffered += d.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const [word, value] = line.split(' ');
      if (word === 'started') started = Number(value);
      if (word === 't') last = Number(value);
    }
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  // Record about 3.3 s (not a multiple of the flush period), then kill without warning.
  const deadline = Date.now() + 30_000;
  while ((started === 0 || last - started < 3300) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  expect(last - started).toBeGreaterThanOrEqual(3300);
  child.kill('SIGKILL');
  const killedAt = Date.now();
  await exited;

  const recorder = Recorder.open({ dir, bus: new InProcessLoopBus(), keys, log: pino({ level: 'silent' }), identify: () => undefined });
  try {
    const rows = recorder.repo.search({ loops: ['project/mcc/loop1'], fromMs: 0, toMs: Date.now(), limit: 10 });
    expect(rows.length).toBe(1);
    const row = rows[0]!;
    expect(row.open).toBe(false);
    expect(row.user).toBe('alice');
    // The record ends no earlier than one second before the kill.
    expect(row.endMs).toBeGreaterThanOrEqual(killedAt - 1000);
    const pcm = await decodeTalk(join(dir, row.file), keys);
    const seconds = pcm.length / 48000;
    expect(seconds).toBeGreaterThanOrEqual((killedAt - 1000 - row.startMs) / 1000);
    expect(Math.abs(seconds * 1000 - (row.endMs - row.startMs))).toBeLessThanOrEqual(20);
    expect(Math.abs(dominantFrequency(pcm.subarray(0, pcm.length - 4800)) - 440)).toBeLessThanOrEqual(10);
    expect(levelAt(pcm.subarray(pcm.length - 24000, pcm.length - 4800), 440)).toBeGreaterThan(-20);
  } finally {
    recorder.close();
  }
}, 60_000);
