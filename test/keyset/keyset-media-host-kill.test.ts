// The media host under a talking keyset SIGKILLed (issue 14): one signaling process and two media
// hosts (`loopcast serve --services signaling` / `edge,mixer`) on a NATS cluster, loops over multicast
// on 127.0.0.1. Alice's keyset in Chromium holds PTT with a continuous tone (fake microphone) through
// one host; bob (test client) listens through the other. Alice's host is SIGKILLed: signaling ends
// her session with `media_lost`, the keyset sets media up again by itself (no reload, same socket),
// lands on the surviving host, and signaling replays her loop state and talking there: bob hears the
// tone again (the gap is printed, < 3 s). Releasing PTT leaves nobody on air. Needs `nats-server`,
// dist/ and the keyset bundle.
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NatsConnection } from 'nats';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNats } from '../../src/control/nats/connection.js';
import { NatsControlPlane } from '../../src/control/nats/nats-control-plane.js';
import { Operator } from '../support/media-operator.js';
import type { Message } from '../support/protocol-client.js';
import type { NatsCluster } from '../support/nats-cluster.js';
import { copyFixture } from '../support/server.js';
import { killAllServe, spawnServe, useTestGroups, type ServeProcess } from '../support/serve-process.js';
import { startFailoverRig, toneEar } from './failover-kit.js';
import { KEYSET_DIST, keysetBuilt, loginThroughUi, newKeysetPage, poll, switchTile, waitReady } from './harness.js';

const TONE_HZ = 440;
const hasNats = ['/usr/sbin/nats-server', '/usr/local/bin/nats-server', '/usr/bin/nats-server'].some((p) => existsSync(p));

describe.skipIf(!keysetBuilt() || !hasNats)('a media host SIGKILLed under a talking keyset', () => {
  let browser: Browser;
  let cluster: NatsCluster;
  let work: string;
  let db: string;
  let observer: NatsConnection;
  let control: NatsControlPlane;
  const hosts: ServeProcess[] = [];
  let signaling: ServeProcess;
  const operators: Operator[] = [];

  beforeAll(async () => {
    ({ work, browser, cluster } = await startFailoverRig('keyset-media-host-kill-', TONE_HZ));
    db = await copyFixture();
    await useTestGroups(db, 48_000 + (process.pid % 500) * 10);
    const media = { enabled: true, bindAddress: '127.0.0.1', bus: 'multicast', multicast: { interface: '127.0.0.1' } };
    await writeFile(join(work, 'config.json'), JSON.stringify({ webRoot: KEYSET_DIST, media }));
    const common = ['--backend', 'a', '--nats', ...cluster.urls, '--nats-user', cluster.user, '--nats-password-file', join(work, 'nats-password')];
    const local = ['--host', '127.0.0.1', '--port', '0', '--config', join(work, 'config.json'), '--log-level', 'info'];
    for (let i = 0; i < 2; i++) hosts.push(await spawnServe(['--services', 'edge,mixer', ...common, ...local, '--data-dir', join(work, `host${i}`)], 'media host ready'));
    signaling = await spawnServe(['--services', 'signaling', ...common, ...local, '--db', db, '--data-dir', join(work, 'signaling'), '--no-demo'], 'loopcast listening');
    observer = await connectNats({ servers: cluster.urls, user: cluster.user, password: cluster.password });
    control = new NatsControlPlane(observer);
  }, 90_000);

  afterAll(async () => {
    for (const op of operators) op.close();
    await browser?.close();
    await control?.close();
    await observer?.close();
    await killAllServe();
    await cluster?.stop();
    if (db) await rm(db, { recursive: true, force: true });
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('the keyset sets media up again on the other host by itself and is heard again within 3 s', async () => {
    const port = String(signaling.ready.port);
    const loads = (): Record<string, number> => Object.fromEntries(control.services('edge').map((s) => [s.id, s.load]));
    await poll(() => Promise.resolve(control.services('edge').length), (n) => n === 2, 10_000, 50);
    const { page } = await newKeysetPage(browser, `https://127.0.0.1:${port}/`);
    await loginThroughUi(page, 'alice', 'flight');
    await waitReady(page);
    await poll(() => Promise.resolve(loads()), (l) => Object.values(l).includes(1), 10_000, 50);
    const aliceHost = Object.entries(loads()).find(([, load]) => load === 1)![0];
    await page.evaluate(() => ((globalThis as unknown as { samePage: boolean }).samePage = true));
    await switchTile(page, 'loop1', 'send');

    const bob = await Operator.connect(`wss://127.0.0.1:${port}/api`, 'bob', 'ground', { ringFrames: 4000 });
    operators.push(bob);
    await poll(() => Promise.resolve(loads()), (l) => Object.values(l).every((n) => n === 1), 10_000, 50);
    await bob.switch('loop1', 'recv');
    const ear = toneEar(bob, TONE_HZ, 'bob');
    const heardAfter = (t: number, what: string) => ear.heardAfter(t, what, 50, 15_000);
    await page.locator('body').click({ position: { x: 5, y: 400 } });
    await page.keyboard.down('Space');
    await page.waitForSelector('[data-transmitting="true"]', { timeout: 5_000 });
    await heardAfter(performance.now(), 'across hosts, before the kill');

    const killedAt = performance.now();
    await hosts.find((h) => String(h.ready.id) === aliceHost)!.kill('SIGKILL');
    await heardAfter(killedAt, 'after her media host was killed');
    const gap = ear.longestSilence(killedAt - 1000);
    console.log(`media host under a talking keyset SIGKILLed: bob's longest silence ${gap.toFixed(0)} ms`);
    expect(gap).toBeLessThan(3000);
    expect(await page.evaluate(() => (globalThis as unknown as { samePage?: boolean }).samePage), 'no reload').toBe(true);
    // Alice and bob now both on the survivor; the dead host is gone.
    await poll(() => Promise.resolve(loads()), (l) => Object.keys(l).length === 1 && Object.values(l)[0] === 2, 5_000, 50);

    // PTT released: talking ends and no tone reaches bob afterwards (no stuck microphone).
    const before = bob.signaling.pushes.length;
    await page.keyboard.up('Space');
    const ended = (m: Message) =>
      bob.signaling.pushes.indexOf(m) >= before && m.event === 'talking' && (m.parameter as { user?: string }).user === 'alice' && (m.parameter as { state?: boolean }).state === false;
    await bob.signaling.waitFor(ended, 2_000);
    const endedAt = performance.now();
    const late = await poll(() => Promise.resolve(ear.toneAt().filter((x) => x > endedAt + 300).length), (n) => n > 0, 1_500, 100);
    expect(late).toBe(0);
  }, 120_000);
});
