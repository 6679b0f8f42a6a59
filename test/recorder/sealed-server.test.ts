// A sealed recording in a running server: the HTTPS link serves the decrypted Ogg Opus stream with
// byte ranges over the plaintext, the export of a user carries plain Ogg Opus, and a tampered file
// is an error, never audio.
import { request } from 'node:https';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dominantFrequency, tone } from '../../testkit/signal/index.js';
import { FRAME_SAMPLES, OpusFrameEncoder } from '../../src/media/opus.js';
import { tsAdd } from '../../src/media/rtp/sequence.js';
import { nodeFileOps } from '../../src/recorder/file-ops.js';
import { SpurtWriter } from '../../src/recorder/spurt-writer.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { decodeOggOpus } from './opusdec.js';

const SCOPE = 'project/mcc@127.0.0.1';
const KEY = Buffer.alloc(32, 0x5a).toString('base64');
let server: TestServer;
let recDir: string;

function get(url: string, range?: string): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { rejectUnauthorized: false, headers: range ? { range } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

/** 2 s of 440 Hz written by the recorder's spurt writer with the server's key; returns the talk id. */
function recordTalk(startMs: number): { id: number; path: string } {
  const rec = server.services.recording!.recorder;
  const t = rec.repo.insertTalk({ loop: `${SCOPE}/loop1`, scope: SCOPE, user: 'alice', role: 'flight', ssrc: 1, startMs, file: '' }, (id) => `t/${id}.opus`);
  const path = join(recDir, t.file);
  const writer = new SpurtWriter(nodeFileOps, path, startMs, ['LOOPCAST_USER=alice'], 48_000, rec.sealKey);
  const enc = new OpusFrameEncoder();
  for (let i = 0; i < 100; i++) {
    writer.add(enc.encode(tone({ frequency: 440, dbfs: -12, samples: FRAME_SAMPLES, startSample: i * FRAME_SAMPLES })), tsAdd(0, i * FRAME_SAMPLES));
    if (i % 25 === 24) writer.flush();
  }
  enc.close();
  writer.end();
  rec.repo.updateTalk(t.id, startMs + writer.durationMs, writer.bytes, false);
  return { id: t.id, path };
}

beforeAll(async () => {
  recDir = await mkdtemp(join(tmpdir(), 'loopcast-sealsrv-'));
  server = await startTestServer({ config: { recorder: { dir: recDir, encryptionKey: KEY } } });
});
afterAll(async () => {
  await server.stop();
  await rm(recDir, { recursive: true, force: true });
});

it('serves a sealed talk over its HTTPS link as Ogg Opus, ranges over the plaintext', async () => {
  const startMs = Date.now() - 10_000;
  const { id, path } = recordTalk(startMs);
  expect(readFileSync(path).includes(Buffer.from('OggS'))).toBe(false);
  const url = `https://127.0.0.1:${server.port}${server.services.recording!.links.uri(id, 'alice')}`;
  const whole = await get(url);
  expect(whole.status).toBe(200);
  expect(whole.body.subarray(0, 4).toString('latin1')).toBe('OggS');
  expect(Number(whole.headers['content-length'])).toBe(whole.body.length);
  const plainPath = join(recDir, 'served.opus');
  writeFileSync(plainPath, whole.body);
  const pcm = await decodeOggOpus(plainPath);
  expect(Math.abs(pcm.length / 48 - 2000)).toBeLessThanOrEqual(20);
  expect(Math.abs(dominantFrequency(pcm.subarray(4800, pcm.length - 4800)) - 440)).toBeLessThanOrEqual(10);
  const part = await get(url, 'bytes=100-1099');
  expect(part.status).toBe(206);
  expect(part.headers['content-range']).toBe(`bytes 100-1099/${whole.body.length}`);
  expect(part.body.equals(whole.body.subarray(100, 1100))).toBe(true);

  // The export of a data subject carries the plain Ogg Opus.
  const exported = await server.services.recording!.rights.exportUser('admin', 'alice', new Set([SCOPE]));
  const record = exported.records.find((r) => r.id === id)!;
  expect(Buffer.from(record.oggOpusBase64, 'base64').equals(whole.body)).toBe(true);

  // The history mix decodes the sealed talk too (WAV: 16-bit PCM after a 44-byte header).
  const links = server.services.recording!.links;
  const mixUrl = `https://127.0.0.1:${server.port}${links.mixUri({ format: 'wav', loops: [`${SCOPE}/loop1`], fromMs: startMs, toMs: startMs + 2000 }, 'alice')}`;
  const wav = await get(mixUrl);
  expect(wav.status).toBe(200);
  const mixed = new Int16Array(Buffer.from(wav.body.subarray(44)).buffer, 0, (wav.body.length - 44) >> 1);
  expect(Math.abs(dominantFrequency(mixed.subarray(4800, mixed.length - 4800)) - 440)).toBeLessThanOrEqual(10);

  // One flipped byte: an error, not audio.
  const sealed = readFileSync(path);
  sealed[sealed.length - 40] = (sealed[sealed.length - 40] as number) ^ 0x80;
  writeFileSync(path, sealed);
  const bad = await get(url);
  expect(bad.status).toBe(500);
  expect(bad.body.toString()).toMatch(/wrong key or tampered/);
  // A new mix (another range, not the cached one) fails rather than leaving the talk out.
  const badMix = await get(`https://127.0.0.1:${server.port}${links.mixUri({ format: 'wav', loops: [`${SCOPE}/loop1`], fromMs: startMs, toMs: startMs + 1999 }, 'alice')}`);
  expect(badMix.status).toBe(500);
});
