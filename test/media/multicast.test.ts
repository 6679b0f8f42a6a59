// Inner-core redundancy (docs/design.md): two Loopcast processes on one host share loops over real IP
// multicast on 127.0.0.1. A talker on one backend is heard by a listener on the other.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dominantFrequency, levelAt, tone } from '../../testkit/signal/index.js';
import { FRAME_SAMPLES } from '../../src/media/opus.js';
import { cleanupChildren, copyFixtureDb, ensureBuilt, makeTempDir, spawnLoopcast, type ChildServer } from '../support/kill-server.js';
import { Operator, sleep } from '../support/media-operator.js';
import { startTestServer, type TestServer } from '../support/server.js';

/** Never the fixture's 224.0.0.1 (all-hosts): an administratively scoped group, loopback only. */
async function useTestGroups(db: string): Promise<void> {
  const file = join(db, 'auth', '127.0.0.1', 'mcc@127.0.0.1', 'config.json');
  const project = JSON.parse(await readFile(file, 'utf8')) as { loops: Record<string, { multicast?: { host: string; port: number } }> };
  for (const [i, loop] of Object.values(project.loops).entries()) loop.multicast = { host: '239.255.77.7', port: 27001 + i };
  await writeFile(file, JSON.stringify(project, null, 2));
}

const MULTICAST = { bus: 'multicast' as const, multicast: { interface: '127.0.0.1' }, bindAddress: '127.0.0.1' };

describe('multicast loop bus between two backends', () => {
  let local: TestServer;
  let remote: ChildServer;
  const operators: Operator[] = [];

  beforeAll(async () => {
    await ensureBuilt();
    const dbA = await copyFixtureDb();
    const dbB = await copyFixtureDb();
    await Promise.all([useTestGroups(dbA), useTestGroups(dbB)]);
    local = await startTestServer({ db: dbA, config: { media: { enabled: true, ...MULTICAST } } });
    const dataDir = await makeTempDir('loopcast-mc-');
    const config = join(dataDir, 'config.json');
    await writeFile(config, JSON.stringify({ media: MULTICAST }));
    remote = await spawnLoopcast({ db: dbB, dataDir, config });
  }, 60_000);

  afterAll(async () => {
    for (const op of operators) op.close();
    await local.stop();
    await cleanupChildren();
  });

  it('a talker on one process is heard by a listener on the other', async () => {
    const source = (i: number): Int16Array => tone({ frequency: 523, dbfs: -12, samples: FRAME_SAMPLES, startSample: i * FRAME_SAMPLES });
    const alice = await Operator.connect(local.apiUrl, 'alice', 'flight', { source });
    const bob = await Operator.connect(remote.apiUrl, 'bob', 'ground');
    operators.push(alice, bob);
    await bob.switch('loop1', 'recv');
    await alice.switch('loop1', 'send');
    alice.media.startSending();
    await sleep(1200);
    const heard = bob.media.received.lastSamples(30);
    expect(heard.length).toBeGreaterThan(0);
    expect(Math.abs(dominantFrequency(heard) - 523)).toBeLessThanOrEqual(15);
    expect(levelAt(heard, 523)).toBeGreaterThan(-30);
    alice.media.stopSending();
  });
});
