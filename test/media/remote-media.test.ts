// Signaling driving media hosts over the control plane (in-process control plane, two media planes
// on one shared loop bus, real WebRTC clients): sessions are placed on the least-loaded host, audio
// flows between hosts, a host that leaves takes its sessions with it and their clients land on the
// other host by themselves and hear again, with their loop states replayed.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessControlPlane } from '../../src/control/in-process.js';
import { WebRtcEdge } from '../../src/media/edge/index.js';
import { InProcessLoopBus } from '../../src/media/loopbus/index.js';
import { MediaPlane } from '../../src/media/plane/media-plane.js';
import { MediaService } from '../../src/media/remote/media-service.js';
import { RemoteMediaControl } from '../../src/media/remote/remote-media-control.js';
import type { Operator } from '../support/media-operator.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { until } from '../support/until.js';
import { heard, startTalk, toneScene } from './support/engine-loss.js';
import { gapAcrossNewClient } from './support/host-loss.js';

const log = pino({ level: 'silent' });

describe('signaling with media hosts over the control plane', () => {
  const control = new InProcessControlPlane({ heartbeatMs: 100, expiryMs: 400 });
  const bus = new InProcessLoopBus();
  const planes: MediaPlane[] = [];
  const hosts: MediaService[] = [];
  const operators: Operator[] = [];
  let remote: RemoteMediaControl;
  let server: TestServer;

  beforeAll(async () => {
    for (const id of ['a-media-1', 'a-media-2']) {
      const edge = await WebRtcEdge.start({ port: 0, bindAddress: '127.0.0.1' });
      // Both planes on one bus (as hosts on one multicast LAN); neither closes it before the end.
      const plane = new MediaPlane({ edge, bus: { join: (key) => bus.join(key), close: () => undefined }, log, maxSessions: 10, guard: { requireTalking: false, talkTimeoutMs: 0 } });
      planes.push(plane);
      hosts.push(new MediaService({ control, media: plane, maxSessions: 10, id, backend: 'a', log, statsIntervalMs: 200 }));
    }
    remote = new RemoteMediaControl({ control, backend: 'a', id: 'a-signaling-1', log });
    server = await startTestServer({ media: remote });
  }, 30_000);

  afterAll(async () => {
    for (const op of operators) op.close();
    await server?.stop();
    for (const host of hosts) await host.close();
    for (const plane of planes) await plane.close();
    bus.close();
    await control.close();
  });

  it('places sessions on the least-loaded host, carries audio between hosts and moves a lost host’s clients', async () => {
    const scene = await toneScene(server.apiUrl, operators);
    // alice → host 1 (tie: lowest id), bob → host 2, carol → host 1.
    expect(Object.fromEntries(remote.placed())).toEqual({ 'a-media-1': 2, 'a-media-2': 1 });
    expect(hosts.map((h) => h.sessionCount)).toEqual([2, 1]);
    await startTalk(scene);
    const { bob, carol } = scene;
    const before = await heard(bob, performance.now());
    await heard(carol, performance.now());
    // Stats snapshots reach signaling.
    await until('three connections with connected media stats', () => server.services.hub.connections.size === 3 && [...server.services.hub.connections.values()].every((c) => c.media?.stats().connected === true));

    const client = bob.media;
    const lostAt = performance.now();
    await hosts[1]!.close();
    const gap = await gapAcrossNewClient(bob, client, lostAt, 440);
    console.log(`media host withdrawn: bob's longest silence ${gap.toFixed(0)} ms`);
    expect(bob.losses.map((l) => l.reason)).toEqual(['media-host-lost']);
    expect(bob.reestablished).toBe(1);
    const after = await heard(bob, performance.now());
    expect(Math.abs(after.level - before.level), 'volume 50 replayed').toBeLessThan(3);
    expect(Object.fromEntries(remote.placed())).toEqual({ 'a-media-1': 3 });
    expect(hosts[0]!.sessionCount).toBe(3);
  }, 60_000);
});
