// The keyset's recording marks and replay key in Chromium: recorded loops show REC; bob, who missed
// alice's 440 Hz call on loop1, presses replay and hears it; the key lights while it plays.
// docs/keyset-replay.png is taken by test/keyset/replay-screenshot.ts (tests write nothing into the repository).
import { rm } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import type { Operator } from '../support/media-operator.js';
import type { TestServer } from '../support/server.js';
import { hearsTone, keysetBuilt, loginThroughUi, newKeysetPage, peak, poll, tile } from './harness.js';
import { startRecordedServer, talkFor, toneTalker } from './recorded-server.js';

describe.skipIf(!keysetBuilt())('keyset replay key', () => {
  let server: TestServer;
  let browser: Browser;
  let bob: Page;
  let alice: Operator | undefined;

  beforeAll(async () => {
    // Chromium first (see keyset-browser.test.ts: it would inherit the edge's UDP socket).
    browser = await launchChromium();
    server = await startRecordedServer({ loops: { loop1: {}, loop4: {} } });
  }, 60_000);

  afterAll(async () => {
    alice?.close();
    await browser?.close();
    await server?.stop();
    await rm(server.db, { recursive: true, force: true });
  });

  it('marks recorded loops and replays a missed call into the downlink', async () => {
    ({ page: bob } = await newKeysetPage(browser, `https://127.0.0.1:${server.port}/`));
    await loginThroughUi(bob, 'bob', 'ground');
    expect(await tile(bob, 'loop1').getAttribute('data-recorded')).toBe('true');
    expect(await tile(bob, 'loop2').getAttribute('data-recorded')).toBe('false');
    await expect(tile(bob, 'loop1').locator('.rec').textContent()).resolves.toBe('REC');
    expect(await tile(bob, 'loop2').getByRole('button', { name: /Replay/ }).count()).toBe(0);

    alice = await toneTalker(server, 'alice', 'loop1', 440);
    await talkFor(alice, 1500);
    // The call is over (voice activity gone) and bob, who does not monitor loop1, heard nothing.
    await bob.waitForSelector('.tile[data-loop="loop1"][data-talkers=""]:not(.active)', { timeout: 10_000 });
    expect(hearsTone(await peak(bob), 440), 'bob does not monitor loop1').toBe(false);

    const key = tile(bob, 'loop1').getByRole('button', { name: 'Replay the last call on loop1' });
    await key.click();
    await bob.waitForSelector('.tile[data-loop="loop1"] .tile-replay[aria-pressed="true"]', { timeout: 5_000 });
    const heard = await poll(() => peak(bob), (p) => hearsTone(p, 440), 5_000, 100);
    expect(hearsTone(heard, 440), `peak ${heard.frequency.toFixed(0)} Hz ${heard.db.toFixed(1)} dB`).toBe(true);
    // The replay is private to bob: it is not voice activity on loop1 for anyone.
    expect(await tile(bob, 'loop1').getAttribute('data-talkers')).toBe('');
    await bob.waitForSelector('.tile[data-loop="loop1"] .tile-replay[aria-pressed="false"]', { timeout: 5_000 });
  });
});
