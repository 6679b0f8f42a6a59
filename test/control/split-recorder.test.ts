// The recorder beside a signaling process whose media runs on a media host (`serve --services
// signaling,recorder` and `--services edge,mixer`, here in this process on a NATS cluster): it joins
// the loops on its own multicast sockets at the groups signaling gives the host, so an operator's talk
// on the media host is recorded.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, parseServices, type RunningBackend, type ServeSettings } from '../../src/cli/serve.js';
import { serveMediaHost, type RunningMediaHost } from '../../src/cli/serve-media.js';
import { resolveConfig } from '../../src/config/config.js';
import { FRAME_SAMPLES } from '../../src/media/opus.js';
import { dominantFrequency, tone } from '../../testkit/signal/index.js';
import { decodeOggOpus } from '../recorder/opusdec.js';
import { Operator, sleep } from '../support/media-operator.js';
import { startNatsCluster, type NatsCluster } from '../support/nats-cluster.js';
import { copyFixture } from '../support/server.js';
import { useTestGroups } from '../support/serve-process.js';

const PROJECT = 'mcc@127.0.0.1';
const MEDIA = { enabled: true, bus: 'multicast' as const, multicast: { interface: '127.0.0.1' }, bindAddress: '127.0.0.1' };

describe('recorder beside signaling, media on a media host', () => {
  let cluster: NatsCluster;
  let dir: string;
  let db: string;
  let signaling: RunningBackend | undefined;
  let host: RunningMediaHost | undefined;
  const operators: Operator[] = [];

  beforeAll(async () => {
    cluster = await startNatsCluster({ nodes: 3 });
    dir = await mkdtemp(join(tmpdir(), 'loopcast-split-rec-'));
    await writeFile(join(dir, 'nats-password'), cluster.password);
    db = await copyFixture();
    await useTestGroups(db, 38_000 + Math.floor(Math.random() * 10_000));
    const file = join(db, 'auth', '127.0.0.1', PROJECT, 'config.json');
    const project = JSON.parse(await readFile(file, 'utf8')) as { loops: Record<string, Record<string, unknown>> };
    project.loops.loop1 = { ...project.loops.loop1, recorded: true };
    await writeFile(file, JSON.stringify(project, null, 2));
    const settings = (services: string): ServeSettings => ({
      services: parseServices(services),
      backend: 'a',
      nats: { servers: cluster.urls, user: cluster.user, passwordFile: join(dir, 'nats-password') },
      replicas: 3,
      // Any free port for the media host's health/metrics listener (others may hold the default).
      http: { port: 0 },
    });
    const config = resolveConfig({ dataDir: dir, db, host: '127.0.0.1', port: 0, demo: false, logLevel: 'silent', media: MEDIA, recorder: { dir: join(dir, 'recordings') } });
    host = await serveMediaHost(config, settings('edge,mixer'));
    signaling = await serve(config, settings('signaling,recorder'));
  }, 60_000);

  afterAll(async () => {
    for (const op of operators) op.close();
    await signaling?.close();
    await host?.close();
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
    await rm(db, { recursive: true, force: true });
  });

  it('records a talk on loop1 that the media host carries', async () => {
    const apiUrl = `wss://127.0.0.1:${signaling!.app.port}/api`;
    const source = (i: number): Int16Array => tone({ frequency: 440, dbfs: -12, samples: FRAME_SAMPLES, startSample: i * FRAME_SAMPLES });
    // Signaling learns the host from its answer to signaling's discovery at start: connect at once.
    const alice = await Operator.connect(apiUrl, 'alice', 'flight', { source });
    operators.push(alice);
    expect(host!.service.sessionCount).toBe(1);
    await alice.switch('loop1', 'send');
    const started = Date.now();
    alice.media.startSending();
    await sleep(1500);
    alice.media.stopSending();
    const repo = signaling!.app.services.recording!.recorder.repo;
    const query = { loops: [`project/${PROJECT}/loop1`], fromMs: started - 1000, toMs: Date.now() + 1000, limit: 10 };
    let rows = repo.search(query);
    const until = Date.now() + 10_000;
    while (!(rows.length === 1 && !rows[0]!.open) && Date.now() < until) {
      await sleep(50);
      rows = repo.search(query);
    }
    expect(rows).toHaveLength(1);
    // The talker's session lives on the media host: this process cannot name her.
    expect([rows[0]!.user, rows[0]!.role]).toEqual(['unknown', 'unknown']);
    const pcm = await decodeOggOpus(join(dir, 'recordings', rows[0]!.file));
    expect(pcm.length / 48).toBeGreaterThan(1000);
    expect(Math.abs(dominantFrequency(pcm.subarray(4800, pcm.length - 4800)) - 440)).toBeLessThanOrEqual(10);
  }, 60_000);
});
