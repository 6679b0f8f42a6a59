// Services as separate processes: one signaling process (`serve --services signaling`) places client
// sessions on two media hosts (`serve --services edge,mixer`) over NATS; loops go between the hosts
// over multicast on 127.0.0.1. The media host carrying the listener is SIGKILLed during a continuous
// tone: the listener gets `media_lost`, sets media up again by itself, lands on the other host and
// hears the tone again with its loop state and volume replayed — the gap is printed and must stay
// under 3 s. Afterwards nothing is stuck: the dead host is gone, the survivor carries exactly the
// live sessions, and a new operator's session works.
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import type { NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNats } from '../../src/control/nats/connection.js';
import { NatsControlPlane } from '../../src/control/nats/nats-control-plane.js';
import { FRAME_SAMPLES } from '../../src/media/opus.js';
import { tone } from '../../testkit/signal/index.js';
import { getHealth } from '../support/fuzz-tools.js';
import { Operator, sleep } from '../support/media-operator.js';
import type { NatsCluster } from '../support/nats-cluster.js';
import { spawnServe, type ServeProcess } from '../support/serve-process.js';
import { aliceAndBobApart, startServeRig, type ServeRig } from '../support/serve-rig.js';
import { heard } from '../media/support/engine-loss.js';
import { gapAcrossNewClient } from '../media/support/host-loss.js';
import { until } from '../support/until.js';

const TONE_HZ = 440;

/** GET /metrics on signaling's HTTPS port (self-signed certificate accepted). */
function metricsText(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    httpsGet({ host: '127.0.0.1', port, path: '/metrics', rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

describe('signaling and media hosts as separate processes', () => {
  let cluster: NatsCluster;
  let rig: ServeRig;
  let observer: NatsConnection;
  let control: NatsControlPlane;
  let signaling: ServeProcess;
  const hosts: ServeProcess[] = [];
  const operators: Operator[] = [];

  beforeAll(async () => {
    rig = await startServeRig('media-hosts');
    cluster = rig.cluster;
    const { dir, db, common, local } = rig;
    for (let i = 0; i < 2; i++) hosts.push(await spawnServe(['--services', 'edge,mixer', ...common, ...local, '--data-dir', join(dir, `host${i}`)], 'media host ready'));
    signaling = await spawnServe(['--services', 'signaling', ...common, ...local, '--db', db, '--data-dir', join(dir, 'signaling'), '--no-demo'], 'loopcast listening');
    observer = await connectNats({ servers: cluster.urls, user: cluster.user, password: cluster.password });
    control = new NatsControlPlane(observer, { heartbeatMs: 250, expiryMs: 1000 });
  }, 90_000);

  afterAll(async () => {
    for (const op of operators) op.close();
    await control?.close();
    await observer?.close();
    await rig?.stop();
  });

  const loads = (): Record<string, number> => Object.fromEntries(control.services('edge').map((s) => [s.id, s.load]));

  it('a SIGKILLed media host: its listener is on the other host and hears the tone again within 3 s', async () => {
    const apiUrl = `wss://127.0.0.1:${String(signaling.ready.port)}/api`;
    const hostOf = (p: ServeProcess): string => String(p.ready.id);
    await until('both media hosts announced', () => control.services('edge').length === 2, { timeoutMs: 10_000 });
    // Signaling is ready: it has media hosts to place sessions on.
    let health = await getHealth(Number(signaling.ready.port));
    for (const deadline = Date.now() + 3000; health.status !== 200 && Date.now() < deadline; ) {
      await sleep(50);
      health = await getHealth(Number(signaling.ready.port));
    }
    expect(health.status).toBe(200);
    expect((health.body.checks as Record<string, unknown>).media_hosts).toEqual({ ok: true, detail: '2 media host(s)' });
    const source = (i: number): Int16Array => tone({ frequency: TONE_HZ, dbfs: -12, samples: FRAME_SAMPLES, startSample: i * FRAME_SAMPLES });
    // The least-loaded host takes bob: the other one.
    const { alice, bob, victim, survivor } = await aliceAndBobApart(apiUrl, loads, hosts, source, operators);
    alice.media.startSending();
    // Across hosts: alice's voice reaches bob's host over the multicast bus.
    const before = await heard(bob, performance.now());

    const client = bob.media;
    const killedAt = performance.now();
    await victim.kill('SIGKILL');
    const gap = await gapAcrossNewClient(bob, client, killedAt, TONE_HZ);
    console.log(`media host SIGKILLed: the listener's longest silence ${gap.toFixed(0)} ms (expiry 1000 ms, heartbeat 250 ms)`);
    expect(gap).toBeLessThan(3000);
    expect(bob.losses.map((l) => l.reason)).toEqual(['media-host-lost']);
    expect(alice.losses, 'the talker on the surviving host noticed nothing').toEqual([]);
    // Loop state and volume replayed by signaling: the same level without any switch by bob.
    const after = await heard(bob, performance.now());
    expect(Math.abs(after.level - before.level)).toBeLessThan(3);

    // Nothing stuck: the dead host is gone from the registry, the survivor carries alice and bob only,
    // and signaling itself holds just those two sessions, after one host lost.
    await until('the killed host gone, the survivor at 2 sessions', () => control.services('edge').length === 1 && loads()[hostOf(survivor)] === 2, { timeoutMs: 10_000 });
    const metrics = await metricsText(Number(signaling.ready.port));
    expect(metrics).toMatch(/^loopcast_media_host_sessions 2$/m);
    expect(metrics).toMatch(/^loopcast_media_hosts_lost_total\{reason="down"\} 1$/m);
    expect(metrics).toMatch(/^loopcast_media_hosts 1$/m);
    // A new session works (on the survivor) and hears the tone.
    const carol = await Operator.connect(apiUrl, 'carol', 'flight');
    operators.push(carol);
    await carol.switch('loop1', 'recv');
    await heard(carol, performance.now());
    await until('the survivor at 3 sessions', () => loads()[hostOf(survivor)] === 3, { timeoutMs: 10_000 });
    expect(signaling.proc.exitCode, 'signaling still running').toBeNull();
    // With the last media host gone too, signaling is not ready: a load balancer sends operators elsewhere.
    await survivor.kill('SIGKILL');
    // Signaling's own registry finds the host down (within ~1.25 s of its last heartbeat).
    let alone = await getHealth(Number(signaling.ready.port));
    const deadline = Date.now() + 5000;
    while (alone.status !== 503 && Date.now() < deadline) {
      await sleep(50);
      alone = await getHealth(Number(signaling.ready.port));
    }
    expect(alone.status).toBe(503);
    expect((alone.body.checks as Record<string, unknown>).media_hosts).toEqual({ ok: false, detail: 'no media host of backend a is up' });
  }, 120_000);
});
