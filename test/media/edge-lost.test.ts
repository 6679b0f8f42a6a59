// The edge losing every session at once (what its clients see when the edge's transport dies; the
// edge runs inside the backend process, whose SIGKILL is test/control/multi-host.test.ts): every
// client gets `media_lost`, sets media up again by itself within 3 s and hears the talker again.
import { afterEach, expect, it } from 'vitest';
import { FRAME_SAMPLES } from '../../src/media/opus.js';
import { levelAt, tone } from '../../testkit/signal/index.js';
import { Operator } from '../support/media-operator.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { resolveConfig } from '../../src/config/config.js';
import { startMediaPlane } from '../../src/media/plane/start.js';
import { tmpdir } from 'node:os';
import { pino } from 'pino';
import { until } from '../support/until.js';

let server: TestServer | undefined;
const operators: Operator[] = [];
afterEach(async () => {
  for (const op of operators.splice(0)) op.close();
  await server?.stop();
  server = undefined;
});

it('every client of a lost edge gets media_lost and hears again within 3 s', async () => {
  const media = { enabled: true, bindAddress: '127.0.0.1' };
  const plane = await startMediaPlane(resolveConfig({ dataDir: tmpdir(), host: '127.0.0.1', port: 0, media }), 0, [], pino({ level: 'silent' }));
  server = await startTestServer({ config: { media }, media: plane });
  const source = (i: number) => tone({ frequency: 440, dbfs: -12, samples: FRAME_SAMPLES, startSample: i * FRAME_SAMPLES });
  const alice = await Operator.connect(server.apiUrl, 'alice', 'flight', { source });
  const bob = await Operator.connect(server.apiUrl, 'bob', 'ground');
  const carol = await Operator.connect(server.apiUrl, 'carol', 'flight');
  operators.push(alice, bob, carol);
  await bob.switch('loop1', 'recv');
  await carol.switch('loop1', 'recv');
  await alice.switch('loop1', 'send');
  alice.startSending();
  const hearsSince = (op: Operator, since: number) => op.media.received.frames().filter((f) => f.arrivedAt > since && levelAt(f.pcm, 440) > -40).length >= 5;
  await until('bob and carol hear alice', () => hearsSince(bob, 0) && hearsSince(carol, 0), { timeoutMs: 10_000, pollMs: 10 });

  const lostAt = performance.now();
  for (const session of [...plane.edge.sessions()]) session.close();
  for (const op of [alice, bob, carol]) await until(`media_lost pushed to ${op.name}`, () => op.losses.length > 0, { timeoutMs: 3000, pollMs: 10 });
  for (const op of [alice, bob, carol]) await until(`${op.name} set media up again`, () => op.reestablished === 1, { timeoutMs: 3000, pollMs: 10 });
  const reestablishedMs = performance.now() - lostAt;
  const back = performance.now();
  await until('bob and carol hear alice again', () => hearsSince(bob, back) && hearsSince(carol, back), { timeoutMs: 3000, pollMs: 10 });
  console.log(`edge lost: all 3 clients re-established ${reestablishedMs.toFixed(0)} ms after, audio back ${(performance.now() - lostAt).toFixed(0)} ms after`);
  expect(reestablishedMs).toBeLessThan(3000);
}, 40_000);
