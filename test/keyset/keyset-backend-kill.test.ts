// A whole backend SIGKILLed under a talking keyset (issue 14): two `loopcast serve` processes on one
// NATS cluster share the directory and the loops (multicast on 127.0.0.1); the keyset in Chromium is
// connected to both and talks a continuous tone (fake microphone) through its lead; bob listens on
// the other backend. The lead is SIGKILLed: the keyset moves its microphone to the survivor and shows
// it, bob's tone comes back (the gap is printed and must stay below 2 s). The killed backend is
// restarted; the operator makes it the lead again by hand and bob still hears; releasing PTT leaves
// nobody on air (no stuck microphone). Needs `nats-server`, dist/ and the keyset bundle.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Operator } from '../support/media-operator.js';
import type { Message } from '../support/protocol-client.js';
import type { NatsCluster } from '../support/nats-cluster.js';
import { freePort } from '../support/ports.js';
import { copyFixture } from '../support/server.js';
import { startFailoverRig, toneEar } from './failover-kit.js';
import { KEYSET_DIST, keysetBuilt, loginThroughUi, newKeysetPage, poll, switchTile } from './harness.js';

const TONE_HZ = 440;
const hasNats = existsSync('/usr/sbin/nats-server') || existsSync('/usr/local/bin/nats-server') || existsSync('/usr/bin/nats-server');

interface BackendInfo {
  url: string;
  status: string;
  media: string;
  lead: boolean;
}

type Hook = { __keyset: { backends(): BackendInfo[]; transmitting(): boolean } };
const backends = (page: Page) => page.evaluate(() => (globalThis as unknown as Hook).__keyset.backends());
const transmitting = (page: Page) => page.evaluate(() => (globalThis as unknown as Hook).__keyset.transmitting());

/** The fixture's loops on an administratively scoped group of their own (never 224.0.0.1), loopback only. */
async function testGroups(db: string): Promise<void> {
  const file = join(db, 'auth', '127.0.0.1', 'mcc@127.0.0.1', 'config.json');
  const project = JSON.parse(await readFile(file, 'utf8')) as { loops: Record<string, { multicast?: { host: string; port: number } }> };
  const base = 28_000 + (process.pid % 500) * 10; // another group and ports than parallel test files
  for (const [i, loop] of Object.values(project.loops).entries()) loop.multicast = { host: '239.255.78.14', port: base + i };
  await writeFile(file, JSON.stringify(project, null, 2));
}

interface ServeProcess {
  name: string;
  port: number;
  url: string;
  child: ChildProcess;
}

describe.skipIf(!keysetBuilt() || !hasNats)('a backend SIGKILLed under a talking keyset', () => {
  let browser: Browser;
  let cluster: NatsCluster;
  let work: string;
  /** Each backend its own directory files (the first one seeds the NATS buckets; local files stay its own). */
  const dbs: Record<string, string> = {};
  const children = new Set<ChildProcess>();
  const operators: Operator[] = [];
  const ports: Record<string, number> = {};

  /** `loopcast serve` as a child process; resolves once it says it is running. */
  async function startBackend(name: string, node: number): Promise<ServeProcess> {
    const port = ports[name]!;
    const argv = ['bin/loopcast.js', 'serve', '--backend', name, '--services', 'signaling,edge,mixer,recorder'];
    argv.push('--nats', cluster.urls[node]!, ...cluster.urls.filter((_, i) => i !== node), '--nats-user', cluster.user, '--nats-password-file', join(work, 'nats-password'));
    argv.push('--config', join(work, 'backend.json'), '--db', dbs[name]!, '--data-dir', join(work, name), '--host', '127.0.0.1', '--port', String(port), '--no-demo', '--log-level', 'warn');
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    children.add(child);
    child.once('exit', () => children.delete(child));
    let log = '';
    child.stderr?.on('data', (c: Buffer) => (log += c.toString()));
    const deadline = Date.now() + 30_000;
    while (!log.includes('is running')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`backend ${name} did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return { name, port, url: `wss://127.0.0.1:${port}/api`, child };
  }

  beforeAll(async () => {
    ({ work, browser, cluster } = await startFailoverRig('keyset-backend-kill-', TONE_HZ));
    for (const name of ['a', 'b']) {
      dbs[name] = await copyFixture();
      await testGroups(dbs[name]);
    }
    ports.a = await freePort();
    ports.b = await freePort();
    const origins = [ports.a, ports.b].map((p) => `https://127.0.0.1:${p}`);
    const webRoot = join(work, 'web');
    await cp(KEYSET_DIST, webRoot, { recursive: true });
    await writeFile(join(webRoot, 'config.json'), JSON.stringify({ backends: [ports.a, ports.b].map((p) => `wss://127.0.0.1:${p}/api`) }));
    const media = { enabled: true, bindAddress: '127.0.0.1', bus: 'multicast', multicast: { interface: '127.0.0.1' } };
    await writeFile(join(work, 'backend.json'), JSON.stringify({ webRoot, media, allowedOrigins: origins }));
  }, 90_000);

  afterAll(async () => {
    for (const op of operators) op.close();
    await browser?.close();
    for (const child of children) child.kill('SIGKILL');
    await cluster?.stop();
    for (const db of Object.values(dbs)) await rm(db, { recursive: true, force: true });
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('moves the microphone to the other backend within 2 s, shows it, and the operator can switch back', async () => {
    const running: Record<string, ServeProcess> = {};
    running.a = await startBackend('a', 0);
    running.b = await startBackend('b', 1);
    const { page } = await newKeysetPage(browser, `https://127.0.0.1:${ports.a}/`);
    await loginThroughUi(page, 'alice', 'flight');
    const both = await poll(() => backends(page), (l) => l.length === 2 && l.every((x) => x.status === 'ready' && x.media === 'ready'), 20_000);
    expect(both.every((x) => x.status === 'ready')).toBe(true);
    const lead = both.find((x) => x.lead)!;
    const [killed, survivor] = lead.url === running.a.url ? [running.a, running.b] : [running.b, running.a];
    await switchTile(page, 'loop1', 'send');

    // Bob listens on the survivor: he hears alice through the lead's multicast, then directly.
    const bob = await Operator.connect(survivor.url, 'bob', 'ground', { ringFrames: 4000 });
    operators.push(bob);
    await bob.switch('loop1', 'recv');
    const { toneAt, heardAfter, longestSilence } = toneEar(bob, TONE_HZ, 'bob');

    await page.locator('body').click({ position: { x: 5, y: 400 } });
    await page.keyboard.down('Space');
    await page.waitForSelector('[data-transmitting="true"]', { timeout: 5_000 });
    await heardAfter(performance.now(), 'through the lead');

    // SIGKILL of the lead backend while alice talks: the keyset moves the microphone and says so.
    const killedAt = performance.now();
    killed.child.kill('SIGKILL');
    const moved = await poll(() => backends(page), (l) => l.find((x) => x.url === survivor.url)?.lead === true, 5_000, 20);
    const movedMs = performance.now() - killedAt;
    expect(moved.find((x) => x.url === survivor.url)?.lead).toBe(true);
    await page.waitForSelector(`[data-health="warn"][data-lead="${survivor.url}"]`, { timeout: 2_000 });
    expect(await page.locator('[data-health]').textContent()).toBe(`Connected · 1/2 backends · via 127.0.0.1:${survivor.port}`);
    expect(await page.locator('.notice').textContent()).toContain(`Backend 127.0.0.1:${killed.port} lost · Switched to backend 127.0.0.1:${survivor.port}`);
    await heardAfter(performance.now(), 'after the failover');
    const failoverGap = longestSilence(killedAt - 1000);
    console.log(`backend ${killed.name} SIGKILLed: microphone on backend ${survivor.name} after ${movedMs.toFixed(0)} ms; bob's longest silence ${failoverGap.toFixed(0)} ms`);
    expect(await transmitting(page)).toBe(true);
    expect(failoverGap).toBeLessThan(2000);

    // The killed backend comes back; the operator makes it the lead again (Settings → Backends).
    running[killed.name] = await startBackend(killed.name, killed.name === 'a' ? 0 : 1);
    const back = running[killed.name]!;
    await poll(() => backends(page), (l) => l.every((x) => x.status === 'ready' && x.media === 'ready'), 30_000);
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const switchedAt = performance.now();
    await page.locator(`li[data-backend="${back.url}"]`).getByRole('button', { name: 'Make lead' }).click();
    await page.waitForSelector(`[data-health="ok"][data-lead="${back.url}"]`, { timeout: 2_000 });
    await page.getByRole('button', { name: 'Close settings' }).click();
    await heardAfter(performance.now(), 'after switching back');
    const switchGap = longestSilence(switchedAt - 1000);
    console.log(`operator made backend ${back.name} the lead again: bob's longest silence ${switchGap.toFixed(0)} ms`);
    expect(await transmitting(page)).toBe(true);
    expect(switchGap).toBeLessThan(2000);

    // A hung lead (SIGSTOP: its sockets stay open, nothing answers): the keyset's ping finds it.
    const stoppedAt = performance.now();
    back.child.kill('SIGSTOP');
    await poll(() => backends(page), (l) => l.find((x) => x.url === survivor.url)?.lead === true, 5_000, 20);
    const detectedMs = performance.now() - stoppedAt;
    await page.waitForSelector(`[data-lead="${survivor.url}"]`, { timeout: 1_000 });
    await heardAfter(performance.now(), 'after the hung backend');
    const hungGap = longestSilence(stoppedAt - 1000);
    console.log(`backend ${back.name} SIGSTOPped: microphone on backend ${survivor.name} after ${detectedMs.toFixed(0)} ms; bob's longest silence ${hungGap.toFixed(0)} ms`);
    expect(detectedMs).toBeLessThan(2000);
    expect(hungGap).toBeLessThan(2000);

    // PTT released: the server hears the end of talk, and no tone reaches bob afterwards (no stuck microphone).
    const before = bob.signaling.pushes.length;
    await page.keyboard.up('Space');
    await page.waitForSelector('[data-transmitting="false"]', { timeout: 2_000 });
    const ended = (m: Message) =>
      bob.signaling.pushes.indexOf(m) >= before && m.event === 'talking' && (m.parameter as { user?: string }).user === 'alice' && (m.parameter as { state?: boolean }).state === false;
    await bob.signaling.waitFor(ended, 2_000);
    const endedAt = performance.now();
    const late = await poll(() => Promise.resolve(toneAt().filter((x) => x > endedAt + 300).length), (n) => n > 0, 1_500, 100);
    expect(late).toBe(0);
    back.child.kill('SIGKILL');
  }, 120_000);
});
