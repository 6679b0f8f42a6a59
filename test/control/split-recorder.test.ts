// Recorders name the talker also when the talker's session lives in another process (docs/recording.md
// "Who talks"). On one NATS cluster, in this process: backend A split into a signaling process with the
// recorder (`serve --services signaling,recorder`) and a media host (`--services edge,mixer`), and
// backend B in one process with its own recorder (`--services signaling,edge,mixer,recorder`). A's
// recorder joins the loops on its own multicast sockets at the groups signaling gives the host. alice
// talks on A's media host: A's recorder names her (the host told signaling her SSRC) and so does B's,
// which hears her over multicast (the talker table). carol talks on B: A's recorder names her from the table.
// Then raw RTP on loop1's group from this test, with talker entries it writes into the table itself: a
// spurt heard before its entry arrives is named when it does (the race), two entries naming different
// talkers for one SSRC are recorded as unknown (collision), and a hostile value is dropped and counted.
import { createSocket } from 'node:dgram';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, parseServices, type RunningBackend, type ServeSettings } from '../../src/cli/serve.js';
import { serveMediaHost, type RunningMediaHost } from '../../src/cli/serve-media.js';
import { resolveConfig } from '../../src/config/config.js';
import { connectNats } from '../../src/control/nats/connection.js';
import { ReplicatedTalkers, TALKERS_BUCKET, talkerKey, talkerName } from '../../src/control/nats/replicated-talkers.js';
import { serializeRtp } from '../../src/media/rtp.js';
import { OPUS_SILENCE_20MS } from '../../src/recorder/ogg/opus-packet.js';
import { FRAME_SAMPLES } from '../../src/media/opus.js';
import type { TalkRecord } from '../../src/recorder/repository.js';
import { dominantFrequency, tone } from '../../testkit/signal/index.js';
import { decodeOggOpus } from '../recorder/opusdec.js';
import { Operator, sleep } from '../support/media-operator.js';
import { startNatsCluster, type NatsCluster } from '../support/nats-cluster.js';
import { copyFixture } from '../support/server.js';
import { useTestGroups } from '../support/serve-process.js';
import { until } from '../support/until.js';

const PROJECT = 'mcc@127.0.0.1';
const LOOP1 = `project/${PROJECT}/loop1`;
const MEDIA = { enabled: true, bus: 'multicast' as const, multicast: { interface: '127.0.0.1' }, bindAddress: '127.0.0.1' };

describe('recorders name talkers whose sessions live in another process', () => {
  let cluster: NatsCluster;
  let dir: string;
  let dirB: string;
  let db: string;
  let signaling: RunningBackend | undefined;
  let host: RunningMediaHost | undefined;
  let backendB: RunningBackend | undefined;
  let loop1Group: { host: string; port: number };
  const operators: Operator[] = [];

  beforeAll(async () => {
    cluster = await startNatsCluster({ nodes: 3 });
    dir = await mkdtemp(join(tmpdir(), 'loopcast-split-rec-'));
    dirB = await mkdtemp(join(tmpdir(), 'loopcast-split-rec-b-'));
    await writeFile(join(dir, 'nats-password'), cluster.password);
    db = await copyFixture();
    await useTestGroups(db, 38_000 + Math.floor(Math.random() * 10_000));
    const file = join(db, 'auth', '127.0.0.1', PROJECT, 'config.json');
    const project = JSON.parse(await readFile(file, 'utf8')) as { loops: Record<string, Record<string, unknown>> };
    project.loops.loop1 = { ...project.loops.loop1, recorded: true };
    loop1Group = project.loops.loop1.multicast as { host: string; port: number };
    await writeFile(file, JSON.stringify(project, null, 2));
    const settings = (services: string, backend: string): ServeSettings => ({
      services: parseServices(services),
      backend,
      nats: { servers: cluster.urls, user: cluster.user, passwordFile: join(dir, 'nats-password') },
      replicas: 3,
      // Any free port for the media host's health/metrics listener (others may hold the default 8444).
      http: { port: 0 },
    });
    const configOf = (dataDir: string) => resolveConfig({ dataDir, db, host: '127.0.0.1', port: 0, demo: false, logLevel: 'silent', media: MEDIA, recorder: { dir: join(dataDir, 'recordings') } });
    host = await serveMediaHost(configOf(dir), settings('edge,mixer', 'a'));
    signaling = await serve(configOf(dir), settings('signaling,recorder', 'a'));
    backendB = await serve(configOf(dirB), settings('signaling,edge,mixer,recorder', 'b'));
  }, 60_000);

  afterAll(async () => {
    for (const op of operators) op.close();
    await backendB?.close();
    await signaling?.close();
    await host?.close();
    await cluster?.stop();
    for (const d of [dir, dirB, db]) if (d) await rm(d, { recursive: true, force: true });
  });

  /** Talks `ms` of a tone on loop1 and returns the closed talk record each backend's recorder made of it. */
  async function talk(apiUrl: string, user: string, frequency: number, ms: number): Promise<{ a: TalkRecord; b: TalkRecord }> {
    const source = (i: number): Int16Array => tone({ frequency, dbfs: -12, samples: FRAME_SAMPLES, startSample: i * FRAME_SAMPLES });
    const op = await Operator.connect(apiUrl, user, 'flight', { source });
    operators.push(op);
    await op.switch('loop1', 'send');
    const started = Date.now();
    op.media.startSending();
    await sleep(ms);
    op.media.stopSending();
    const closedTalk = async (backend: RunningBackend): Promise<TalkRecord> => {
      const repo = backend.app.services.recording!.recorder.repo;
      const query = { loops: [LOOP1], fromMs: started - 1000, toMs: Date.now() + 1000, limit: 10 };
      const until = Date.now() + 10_000;
      let rows = repo.search(query);
      while (!(rows.length === 1 && !rows[0]!.open) && Date.now() < until) {
        await sleep(50);
        rows = repo.search(query);
      }
      expect(rows).toHaveLength(1);
      return rows[0]!;
    };
    return { a: await closedTalk(signaling!), b: await closedTalk(backendB!) };
  }

  it('names alice, whose session is on backend A\'s media host, in both backends\' talk records', async () => {
    expect(host!.service.sessionCount).toBe(0);
    const { a, b } = await talk(`wss://127.0.0.1:${signaling!.app.port}/api`, 'alice', 440, 1500);
    expect(host!.service.sessionCount).toBe(1);
    // A: the media host answered the open with her SSRC; B: the talker table, over the cluster.
    expect([a.user, a.role]).toEqual(['alice', 'flight']);
    expect([b.user, b.role, b.ssrc]).toEqual(['alice', 'flight', a.ssrc]);
    const pcm = await decodeOggOpus(join(dir, 'recordings', a.file));
    expect(pcm.length / 48).toBeGreaterThan(1000);
    expect(Math.abs(dominantFrequency(pcm.subarray(4800, pcm.length - 4800)) - 440)).toBeLessThanOrEqual(10);
  }, 60_000);

  it('names carol, whose session is on backend B, in backend A\'s talk record', async () => {
    const { a, b } = await talk(`wss://127.0.0.1:${backendB!.app.port}/api`, 'carol', 660, 1000);
    expect([b.user, b.role]).toEqual(['carol', 'flight']);
    expect([a.user, a.role, a.ssrc]).toEqual(['carol', 'flight', b.ssrc]);
    const pcm = await decodeOggOpus(join(dir, 'recordings', a.file));
    expect(Math.abs(dominantFrequency(pcm.subarray(4800, pcm.length - 4800)) - 660)).toBeLessThanOrEqual(10);
  }, 60_000);

  const metric = async (backend: RunningBackend, name: string): Promise<number> =>
    (await backend.app.services.metrics.registry.getSingleMetric(name)?.get())?.values[0]?.value ?? 0;
  const talksOf = (backend: RunningBackend, ssrc: number): TalkRecord[] =>
    backend.app.services.recording!.recorder.repo.search({ loops: [LOOP1], fromMs: 0, toMs: Date.now() + 60_000, limit: 1000 }).filter((t) => t.ssrc === ssrc);
  it('names a spurt heard before its talker entry arrived, leaves a colliding SSRC unknown, drops a hostile entry', async () => {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    socket.setMulticastInterface('127.0.0.1');
    socket.setMulticastLoopback(true);
    const sequence = new Map<number, number>();
    /** `frames` packets of 20 ms from `ssrc` on loop1's group, in real time; `jump` starts a new spurt. */
    const send = async (ssrc: number, frames: number, jump = false): Promise<void> => {
      let n = (sequence.get(ssrc) ?? 0) + (jump ? 3000 : 0);
      for (let i = 0; i < frames; i++, n++) {
        socket.send(serializeRtp({ payloadType: 100, sequenceNumber: n & 0xffff, timestamp: (n * FRAME_SAMPLES) >>> 0, ssrc, marker: false, payload: OPUS_SILENCE_20MS }), loop1Group.port, loop1Group.host);
        await sleep(20);
      }
      sequence.set(ssrc, n);
    };
    const connection = await connectNats({ servers: cluster.urls, user: cluster.user, password: cluster.password, name: 'test-talkers' });
    const tableC = await ReplicatedTalkers.open(connection, { owner: 'c-signaling-test', backend: 'c', replicas: 3 });
    const backends = [signaling!, backendB!];
    try {
      // Two sessions elsewhere, two talkers, one SSRC: written (acknowledged) before dave's entry, so a
      // recorder that has dave's entry has these too (a watch delivers in the bucket's order).
      const kv = await connection.jetstream().views.kv(TALKERS_BUCKET);
      const shared = 0x5a5a0001;
      const entry = (user: string, role: string, owner: string) => Buffer.from(JSON.stringify({ user, role, backend: owner.slice(0, 1), owner, expires: Date.now() + 60_000 }));
      await kv.put(talkerKey(talkerName(shared, 'c-signaling-test', 'c-1')), entry('bob', 'ground', 'c-signaling-test'));
      await kv.put(talkerKey(talkerName(shared, 'd-signaling-test', 'd-1')), entry('erin', 'flight', 'd-signaling-test'));

      // The race: dave's first words reach both recorders before his entry does.
      const dave = 0x7a11c0de;
      await send(dave, 15);
      await until('dave recorded as unknown', () => backends.every((b) => talksOf(b, dave).length === 1), { timeoutMs: 10_000 });
      expect(backends.map((b) => talksOf(b, dave)[0]!.user)).toEqual(['unknown', 'unknown']);
      const published = Date.now();
      tableC.publish(dave, { connectionId: 'race-1', user: 'dave', role: 'ground' });
      await until('dave named', () => backends.every((b) => talksOf(b, dave).every((t) => t.user === 'dave' && t.role === 'ground')), { timeoutMs: 10_000 });
      console.log(`talker entry written → spurt already recorded as unknown named in both recorders: ${Date.now() - published} ms`);

      // The collision: no guess, in both recorders.
      const collisionsBefore = await Promise.all(backends.map((b) => metric(b, 'loopcast_recorder_talker_collisions_total')));
      await send(shared, 10);
      await until('colliding SSRC recorded', () => backends.every((b) => talksOf(b, shared).length === 1), { timeoutMs: 10_000 });
      expect(backends.map((b) => talksOf(b, shared)[0]!.user)).toEqual(['unknown', 'unknown']);
      const collisions = await Promise.all(backends.map((b) => metric(b, 'loopcast_recorder_talker_collisions_total')));
      expect(collisions.map((n, i) => n - collisionsBefore[i]!)).toEqual([1, 1]);

      // A hostile value straight into the bucket: dropped and counted in both processes; its SSRC stays unknown.
      const evil = 0x0bad0bad;
      const rejectedBefore = await Promise.all(backends.map((b) => metric(b, 'loopcast_talker_entries_rejected_total')));
      await kv.put(talkerKey(talkerName(evil, 'c-signaling-test', 'evil')), Buffer.from(JSON.stringify({ user: '__proto__', role: 'x'.repeat(300), backend: 'c', owner: 'c-signaling-test', expires: Date.now() + 60_000 })));
      await until('hostile value counted', async () => (await Promise.all(backends.map((b) => metric(b, 'loopcast_talker_entries_rejected_total')))).every((v, i) => v > rejectedBefore[i]!), { timeoutMs: 10_000 });
      await send(evil, 10);
      await until('evil recorded', () => backends.every((b) => talksOf(b, evil).length === 1), { timeoutMs: 10_000 });
      expect(backends.map((b) => talksOf(b, evil)[0]!.user)).toEqual(['unknown', 'unknown']);
    } finally {
      socket.close();
      await tableC.close();
      await connection.close();
    }
  }, 60_000);
});
