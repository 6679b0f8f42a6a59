// Backend redundancy in Chromium: the keyset reads config.json with two backends, switches on both,
// talks through the lead only, and moves the microphone to the other backend when the lead stops.
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { ProtocolClient, type Message } from '../support/protocol-client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { KEYSET_DIST, keysetBuilt, loginThroughUi, newKeysetPage, poll, switchTile } from './harness.js';
import { freePort } from '../support/ports.js';

interface BackendInfo {
  url: string;
  status: string;
  lead: boolean;
}

const backends = (page: Page) => page.evaluate(() => (globalThis as unknown as { __keyset: { backends(): BackendInfo[] } }).__keyset.backends());


describe.skipIf(!keysetBuilt())('keyset backend redundancy', () => {
  let browser: Browser;
  const servers: TestServer[] = [];
  const bobs: ProtocolClient[] = [];
  let webRoot: string;

  beforeAll(async () => {
    browser = await launchChromium(); // before the servers: see keyset-browser.test.ts
    const [portA, portB] = [await freePort(), await freePort()];
    webRoot = await mkdtemp(join(tmpdir(), 'keyset-web-'));
    await cp(KEYSET_DIST, webRoot, { recursive: true });
    const urls = [`wss://127.0.0.1:${portA}/api`, `wss://127.0.0.1:${portB}/api`];
    await writeFile(join(webRoot, 'config.json'), JSON.stringify({ backends: urls }));
    const media = { enabled: true, bindAddress: '127.0.0.1' };
    servers.push(await startTestServer({ config: { port: portA, webRoot, media } }));
    servers.push(await startTestServer({ config: { port: portB, media, allowedOrigins: [`https://127.0.0.1:${portA}`] } }));
    // bob listens on loop1 on each backend with a plain protocol client, to see what each one gets.
    for (const server of servers) {
      const bob = await ProtocolClient.connect(server.apiUrl);
      await bob.loginAs('bob', 'bob', 'ground');
      await bob.ok('role_loops');
      await bob.ok('switch_loop_state', { loop: 'loop1', state: 'recv' });
      bobs.push(bob);
    }
  }, 60_000);

  afterAll(async () => {
    for (const bob of bobs) bob.close();
    await browser?.close();
    for (const server of servers) await server.stop();
    await rm(webRoot, { recursive: true, force: true });
  });

  it('connects to both backends, switches on both, and fails the microphone over to the other', async () => {
    const { page } = await newKeysetPage(browser, `https://127.0.0.1:${servers[0]!.port}/`);
    await loginThroughUi(page, 'alice', 'flight');
    const both = await poll(() => backends(page), (list) => list.length === 2 && list.every((x) => x.status === 'ready'), 20_000);
    expect(both.map((x) => x.status)).toEqual(['ready', 'ready']);
    expect(both.filter((x) => x.lead)).toHaveLength(1);
    const lead = both.findIndex((x) => x.lead);
    const other = 1 - lead;

    // A switch goes to every backend: bob sees alice join loop1 on both.
    await switchTile(page, 'loop1', 'send');
    const joined = (m: Message) => m.event === 'switch_loop_state' && (m.parameter as { user?: string }).user === 'alice';
    await Promise.all(bobs.map((bob) => bob.waitFor(joined, 10_000)));

    // The lead backend stops: the other one takes the microphone.
    await servers[lead]!.stop();
    const moved = await poll(() => backends(page), (list) => list[other]?.lead === true, 20_000);
    expect(moved[other]?.lead).toBe(true);
    await page.waitForSelector('[data-health="warn"]', { timeout: 10_000 });

    await page.locator('body').click({ position: { x: 5, y: 400 } });
    await page.keyboard.down('Space');
    const talks = (m: Message) => m.event === 'talking' && (m.parameter as { user?: string }).user === 'alice' && (m.parameter as { state?: boolean }).state === true;
    const talking = await bobs[other]!.waitFor(talks, 10_000);
    await page.keyboard.up('Space');
    expect(talking.type).toBe('loop_broadcast');
    servers.splice(lead, 1); // already stopped
  }, 60_000);
});
