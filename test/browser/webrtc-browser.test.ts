// Real Chromium (Debian package, driven by playwright-core): two pages log in over Loopcast's
// signaling with a minimal client page; the talker's fake-microphone tone is heard by the listener.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tone } from '../../testkit/signal/index.js';
import { launchChromium } from '../support/chromium.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { wavFile } from '../support/wav.js';

const PAGE_ROOT = fileURLToPath(new URL('./page', import.meta.url));

interface PeakReading {
  frequency: number;
  db: number;
}

async function openClient(browser: Browser, url: string, user: string, role: string): Promise<Page> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  await page.goto(url);
  await page.evaluate(([u, r]) => (globalThis as unknown as { lc: { start(u: string, r: string): Promise<void> } }).lc.start(u, r), [user, role] as const);
  await page.waitForFunction(() => {
    const lc = (globalThis as unknown as { lc: { mediaReady: boolean; connectionState?: () => string } }).lc;
    return lc.mediaReady && lc.connectionState?.() === 'connected';
  }, undefined, { timeout: 15_000 });
  return page;
}

const switchLoop = (page: Page, loop: string, state: string) =>
  page.evaluate(([l, s]) => (globalThis as unknown as { lc: { switch(l: string, s: string): Promise<unknown> } }).lc.switch(l, s), [loop, state] as const);

const peak = (page: Page) => page.evaluate(() => (globalThis as unknown as { lc: { peak?: () => PeakReading } }).lc.peak?.() ?? { frequency: 0, db: -Infinity });

describe('browser to browser through Loopcast', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'loopcast-browser-'));
    const wav = join(dir, 'tone-440.wav');
    await writeFile(wav, wavFile(tone({ frequency: 440, dbfs: -6, samples: 48_000 * 4 }), 48_000));
    server = await startTestServer({ config: { webRoot: PAGE_ROOT, media: { enabled: true, bindAddress: '127.0.0.1' } } });
    browser = await launchChromium({ fakeAudio: wav });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("the listener's page hears the talker's microphone tone (WebAudio analyser)", async () => {
    const origin = `https://127.0.0.1:${server.port}/`;
    const talker = await openClient(browser, origin, 'alice', 'flight');
    const listener = await openClient(browser, origin, 'bob', 'ground');
    await switchLoop(listener, 'loop1', 'recv');
    // Both fake microphones play the same tone: nothing may be heard before alice talks.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await peak(listener)).db).toBeLessThan(-90);

    await switchLoop(talker, 'loop1', 'send');
    let reading: PeakReading = { frequency: 0, db: -Infinity };
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      reading = await peak(listener);
      if (reading.db > -70 && Math.abs(reading.frequency - 440) < 15) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(Math.abs(reading.frequency - 440), `peak ${reading.frequency.toFixed(0)} Hz at ${reading.db.toFixed(1)} dB`).toBeLessThan(15);
    expect(reading.db).toBeGreaterThan(-70);
  });
});
