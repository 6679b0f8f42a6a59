// Chromium's own RTCP stack answers the server's sender reports: a listening page's receiver reports
// carry LSR/DLSR, and loopcast_downlink_rtt_seconds gets plausible loopback samples from them.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tone } from '../../testkit/signal/index.js';
import { launchChromium } from '../support/chromium.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { wavFile } from '../support/wav.js';
import { get, Scrape } from './scrape.js';

// The minimal signaling client page of test/browser (window.lc).
const PAGE_ROOT = fileURLToPath(new URL('../browser/page', import.meta.url));

type Lc = { start(u: string, r: string): Promise<void>; switch(l: string, s: string): Promise<unknown>; mediaReady: boolean; connectionState?: () => string };

let server: TestServer | undefined;
let browser: Browser | undefined;
let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loopcast-rtt-'));
  const wav = join(dir, 'tone.wav');
  await writeFile(wav, wavFile(tone({ frequency: 440, dbfs: -6, samples: 48_000 * 4 }), 48_000));
  server = await startTestServer({ config: { webRoot: PAGE_ROOT, media: { enabled: true, bindAddress: '127.0.0.1' } } });
  browser = await launchChromium({ fakeAudio: wav });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function openClient(b: Browser, url: string, user: string, role: string): Promise<Page> {
  const page = await (await b.newContext({ ignoreHTTPSErrors: true })).newPage();
  await page.goto(url);
  await page.evaluate(([u, r]) => (globalThis as unknown as { lc: Lc }).lc.start(u, r), [user, role] as const);
  await page.waitForFunction(() => {
    const c = (globalThis as unknown as { lc: Lc }).lc;
    return c.mediaReady && c.connectionState?.() === 'connected';
  }, undefined, { timeout: 15_000 });
  return page;
}

const switchLoop = (page: Page, loop: string, state: string): Promise<unknown> =>
  page.evaluate(([l, st]) => (globalThis as unknown as { lc: Lc }).lc.switch(l, st), [loop, state] as const);

it("Chromium's receiver reports about the downlink yield RTT samples (loopback: under 50 ms)", async () => {
  const s = server as TestServer;
  const origin = `https://127.0.0.1:${s.port}/`;
  const talker = await openClient(browser as Browser, origin, 'alice', 'flight');
  const listener = await openClient(browser as Browser, origin, 'bob', 'ground');
  await switchLoop(listener, 'loop1', 'recv');
  await switchLoop(talker, 'loop1', 'send');
  // Chromium sends audio RTCP every few seconds (randomized): allow a few intervals.
  const deadline = Date.now() + 20_000;
  let rtt = { count: 0, sum: 0, le: (_: string) => 0 };
  while (Date.now() < deadline) {
    const answer = await get(s.port, '/metrics');
    rtt = new Scrape(answer.body).histogram('loopcast_downlink_rtt_seconds');
    if (rtt.count >= 2) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  expect(rtt.count, 'RTT samples from Chromium').toBeGreaterThanOrEqual(2);
  expect(rtt.sum).toBeGreaterThanOrEqual(0);
  expect(rtt.sum / rtt.count, `mean RTT ${((rtt.sum / rtt.count) * 1000).toFixed(2)} ms`).toBeLessThan(0.05);
  expect(rtt.le('0.05')).toBe(rtt.count);
}, 60_000);
