// The recorder in a real server: operators talk over WebRTC, the recorder writes what the loop bus
// carries; instant replay into a downlink; openvocs' recorder events with authorization; the
// /audio/ route. Files are decoded by opusdec (an independent reader).
import { request } from 'node:https';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dominantFrequency, levelAt, tone } from '../../testkit/signal/index.js';
import { FRAME_SAMPLES } from '../../src/media/opus.js';
import { Operator, sleep } from '../support/media-operator.js';
import { copyFixture, startTestServer, type TestServer } from '../support/server.js';
import { decodeOggOpus } from './opusdec.js';

const PROJECT = 'mcc@127.0.0.1';
const projectFile = (db: string) => join(db, 'auth', '127.0.0.1', PROJECT, 'config.json');

function toneSource(frequency: number) {
  return (index: number): Int16Array => tone({ frequency, dbfs: -12, samples: FRAME_SAMPLES, startSample: index * FRAME_SAMPLES });
}

function fetchBytes(url: string): Promise<{ status: number; type: string | undefined; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { rejectUnauthorized: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

async function until<T>(what: string, fn: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(25);
  }
}

let server: TestServer;
let recDir: string;
/** When the first test's two talks happened (wall clock ms). */
const talked = { aStart: 0, cStart: 0, aStop: 0, cStop: 0 };
const operators: Operator[] = [];
async function operator(user: string, role: string, frequency?: number): Promise<Operator> {
  const op = await Operator.connect(server.apiUrl, user, role, frequency ? { source: toneSource(frequency) } : {});
  operators.push(op);
  return op;
}

beforeAll(async () => {
  const db = await copyFixture();
  const file = projectFile(db);
  const project = JSON.parse(await readFile(file, 'utf8')) as { loops: Record<string, Record<string, unknown>> };
  for (const id of ['loop1', 'loop2', 'loop4']) project.loops[id] = { ...project.loops[id], recorded: true };
  // loop5: flight only (ground has no monitor right on it).
  project.loops.loop5 = { id: 'loop5', name: 'loop5', roles: { flight: true }, recorded: true };
  await writeFile(file, JSON.stringify(project, null, 2));
  recDir = await mkdtemp(join(tmpdir(), 'loopcast-recsrv-'));
  server = await startTestServer({ db, config: { media: { enabled: true, bindAddress: '127.0.0.1' }, recorder: { dir: recDir } } });
});
afterAll(async () => {
  for (const op of operators) op.close();
  await server.stop();
  await rm(server.db, { recursive: true, force: true });
  await rm(recDir, { recursive: true, force: true });
});

describe('recording in a running server', () => {
  it('records alice (440 Hz, loop1) and carol (660 Hz, loop2), overlapping, with names and times', async () => {
    const alice = await operator('alice', 'flight', 440);
    const carol = await operator('carol', 'flight', 660);
    await alice.switch('loop1', 'send');
    await carol.switch('loop2', 'send');
    const aStart = Date.now();
    alice.media.startSending();
    await sleep(1500);
    const cStart = Date.now();
    carol.media.startSending();
    await sleep(1000);
    const aStop = Date.now();
    alice.media.stopSending();
    await sleep(1000);
    const cStop = Date.now();
    carol.media.stopSending();
    const repo = server.services.recording!.recorder.repo;
    const query = { loops: [`project/${PROJECT}/loop1`, `project/${PROJECT}/loop2`], fromMs: aStart - 1000, toMs: Date.now() + 1000, limit: 10 };
    const rows = await until('both spurts closed', () => {
      const r = repo.search(query);
      return r.length === 2 && r.every((t) => !t.open) ? r : undefined;
    });
    const [a, c] = rows;
    Object.assign(talked, { aStart, cStart, aStop, cStop });
    expect([a!.user, a!.role, a!.loop.endsWith('/loop1')]).toEqual(['alice', 'flight', true]);
    expect([c!.user, c!.role, c!.loop.endsWith('/loop2')]).toEqual(['carol', 'flight', true]);
    // Times within 300 ms of when they talked; the two overlap.
    expect(Math.abs(a!.startMs - aStart)).toBeLessThan(300);
    expect(Math.abs(a!.endMs - aStop)).toBeLessThan(300);
    expect(Math.abs(c!.startMs - cStart)).toBeLessThan(300);
    expect(Math.abs(c!.endMs - cStop)).toBeLessThan(300);
    expect(c!.startMs).toBeLessThan(a!.endMs);
    const [pa, pc] = await Promise.all([decodeOggOpus(join(recDir, a!.file)), decodeOggOpus(join(recDir, c!.file))]);
    expect(Math.abs(pa.length / 48 - (a!.endMs - a!.startMs))).toBeLessThanOrEqual(40);
    expect(Math.abs(dominantFrequency(pa.subarray(4800, pa.length - 4800)) - 440)).toBeLessThanOrEqual(10);
    expect(Math.abs(dominantFrequency(pc.subarray(4800, pc.length - 4800)) - 660)).toBeLessThanOrEqual(10);
    // The overlapping stretch, in each file at its wall-clock offset: each voice alone in its own file.
    const overlapA = pa.subarray((c!.startMs - a!.startMs + 100) * 48, (a!.endMs - a!.startMs - 100) * 48);
    const overlapC = pc.subarray(100 * 48, (a!.endMs - c!.startMs - 100) * 48);
    expect(levelAt(overlapA, 440)).toBeGreaterThan(-20);
    expect(levelAt(overlapC, 660)).toBeGreaterThan(-20);
    expect(levelAt(overlapA, 660)).toBeLessThan(-45);
    await alice.switch('loop1', 'none');
    await carol.switch('loop2', 'none');
  });

  it('replays a missed 440 Hz call into bob\'s downlink while his live loop keeps playing; refuses without monitor right', async () => {
    const alice = await operator('alice', 'flight', 440);
    const carol = await operator('carol', 'flight', 660);
    const bob = await operator('bob', 'ground');
    // bob listens to loop4 where carol talks live; he does not monitor loop1.
    await bob.switch('loop4', 'recv');
    await carol.switch('loop4', 'send');
    carol.media.startSending();
    await alice.switch('loop1', 'send');
    alice.media.startSending();
    await sleep(1200);
    alice.media.stopSending();
    await sleep(600);
    const before = bob.media.received.lastSamples(20);
    expect(levelAt(before, 440)).toBeLessThan(-50);
    const live = levelAt(before, 660);
    expect(live).toBeGreaterThan(-30);

    const asked = performance.now();
    const r = await bob.signaling.ok('replay', { loop: 'loop1' });
    expect(r.loop).toBe('loop1');
    expect(Number(r.duration_ms)).toBeGreaterThan(1000);
    expect(Number(r.duration_ms)).toBeLessThan(1500);
    await bob.signaling.waitFor((m) => m.event === 'replay_end', 5000);
    const during = bob.media.received.frames().filter((f) => f.arrivedAt > asked + 300 && f.arrivedAt < asked + 1000);
    expect(during.length).toBeGreaterThan(20);
    const pcm = new Int16Array(during.length * FRAME_SAMPLES);
    during.forEach((f, i) => pcm.set(f.pcm.subarray(0, FRAME_SAMPLES), i * FRAME_SAMPLES));
    expect(levelAt(pcm, 440), 'the replayed call').toBeGreaterThan(-30);
    const ducked = levelAt(pcm, 660);
    expect(ducked, 'live loop still playing').toBeGreaterThan(live - 10);
    expect(ducked, 'live loop ducked').toBeLessThan(live - 3);
    // After the replay the live loop is back at its level.
    await sleep(400);
    expect(Math.abs(levelAt(bob.media.received.lastSamples(15), 660) - live)).toBeLessThan(2);

    const refused = await bob.signaling.request('replay', { loop: 'loop5' });
    expect(refused.error?.code).toBe(5004);
    carol.media.stopSending();
    await carol.switch('loop4', 'none');
    await alice.switch('loop1', 'none');
  });

  it('answers openvocs get_recording with fetchable URIs to those with the playback right only, and audits playback', async () => {
    const admin = operators.find((o) => o.name === 'alice')!; // alice is admin of the project
    const bob = operators.find((o) => o.name === 'bob')!;
    const now = Date.now() / 1000;
    // openvocs' bare array, typed by the contract through the library client.
    const rows = await admin.signaling.library.request('get_recording', { loop: 'loop1', from: now - 120, to: now });
    expect(Array.isArray(rows), JSON.stringify(rows)).toBe(true);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(Object.keys(rows[0]!).sort()).toEqual(['endtime', 'id', 'loop', 'starttime', 'uri']);
    // What the openvocs player does: <https origin of the WebSocket>/audio/ + uri.
    const res = await fetchBytes(`https://127.0.0.1:${server.port}/audio/${rows[0]!.uri}`);
    expect(rows[0]!.starttime).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(res.status).toBe(200);
    expect(res.type).toContain('audio/ogg');
    const file = join(recDir, 'fetched.opus');
    await writeFile(file, res.body);
    expect(Math.abs(dominantFrequency(await decodeOggOpus(file)) - 440)).toBeLessThanOrEqual(10);
    // A tampered link is refused.
    const forged = rows[0]!.uri.replace(/u=alice/, 'u=bob');
    expect((await fetchBytes(`https://127.0.0.1:${server.port}/audio/${forged}`)).status).toBe(403);

    expect((await bob.signaling.request('get_recording', { loop: 'loop1', from: now - 120, to: now })).error?.code).toBe(5004);
    expect((await bob.signaling.request('record_stop', { loop: 'loop1' })).error?.code).toBe(5000);
    const loops = (await bob.signaling.ok('get_recorded_loops')).result as Array<{ loop: string }>;
    expect(loops.map((l) => l.loop).sort()).toEqual(['loop1', 'loop2', 'loop4']);
    await admin.signaling.ok('record_stop', { loop: 'loop2' });
    const after = (await admin.signaling.ok('get_recorded_loops')).result as Array<{ loop: string }>;
    expect(after.map((l) => l.loop).sort()).toEqual(['loop1', 'loop4', 'loop5']);
    const trail = server.services.audit.query(() => true, 50).map((e) => e.event);
    expect(trail).toContain('recording_playback');
    expect(trail).toContain('recording_replay');
    expect(trail).toContain('record_stop');
    expect(admin.signaling.contractViolations).toEqual([]);
    expect(bob.signaling.contractViolations).toEqual([]);
  });

  it('exports the mix of loop1 and loop2 over a range as WAV and as Ogg Opus, both voices in the overlap', async () => {
    const admin = operators.find((o) => o.name === 'alice')!;
    const bob = operators.find((o) => o.name === 'bob')!;
    const from = talked.aStart - 500;
    const to = talked.cStop + 500;
    expect((await bob.signaling.request('recording_mix', { loops: ['loop1', 'loop2'], from, to })).error?.code).toBe(5004);
    const wav = await admin.signaling.ok('recording_mix', { loops: ['loop1', 'loop2'], from, to, format: 'wav' });
    const res = await fetchBytes(`https://127.0.0.1:${server.port}${String(wav.uri)}`);
    expect(res.status).toBe(200);
    expect(res.type).toBe('audio/wav');
    const pcm = new Int16Array(res.body.buffer.slice(res.body.byteOffset + 44, res.body.byteOffset + res.body.length));
    expect(pcm.length).toBe((to - from) * 48);
    const at = (ms: number) => (ms - from) * 48;
    const overlap = pcm.subarray(at(talked.cStart + 200), at(talked.aStop - 200));
    expect(levelAt(overlap, 440)).toBeGreaterThan(-20);
    expect(levelAt(overlap, 660)).toBeGreaterThan(-20);
    expect(levelAt(pcm.subarray(at(talked.aStart + 200), at(talked.cStart - 200)), 660)).toBeLessThan(-45);
    // Seeking: a byte range of the same export.
    const part = await new Promise<number>((resolve, reject) => {
      request(`https://127.0.0.1:${server.port}${String(wav.uri)}`, { rejectUnauthorized: false, headers: { range: 'bytes=44-1043' } }, (r) => {
        r.resume();
        r.on('end', () => resolve(r.statusCode ?? 0));
      }).on('error', reject).end();
    });
    expect(part).toBe(206);

    const ogg = await admin.signaling.ok('recording_mix', { loops: ['loop1', 'loop2'], from, to });
    const oggRes = await fetchBytes(`https://127.0.0.1:${server.port}${String(ogg.uri)}`);
    const file = join(recDir, 'mix.opus');
    await writeFile(file, oggRes.body);
    const decoded = await decodeOggOpus(file);
    expect(Math.abs(decoded.length / 48 - (to - from))).toBeLessThanOrEqual(20);
    expect(levelAt(decoded.subarray(at(talked.cStart + 200), at(talked.aStop - 200)), 660)).toBeGreaterThan(-20);
    expect(server.services.audit.query((e) => e.event === 'recording_export', 10).length).toBe(2);
  });
});
