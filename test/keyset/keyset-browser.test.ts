// The keyset in real Chromium against a real Loopcast server: login through the UI, push-to-talk audio
// from alice to bob, talker indication, session redundancy (a second bob client mirrors), reload with
// the stored session, and a server restart on the same port and directory that the page rides out.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tone } from '../../testkit/signal/index.js';
import { launchChromium } from '../support/chromium.js';
import { copyFixture, startTestServer, type TestServer } from '../support/server.js';
import { wavFile } from '../support/wav.js';
import { hearsTone, KEYSET_DIST, keysetBuilt, loginThroughUi, newKeysetPage, peak, poll, switchTile, tile, tileAttr, waitReady } from './harness.js';
import { freePort } from '../support/ports.js';

const TONE_HZ = 440;


describe.skipIf(!keysetBuilt())('keyset web client in Chromium', () => {
  let db: string;
  let port: number;
  let server: TestServer | undefined;
  let browser: Browser;
  let wavDir: string;
  let alice: Page;
  let bob: Page;
  let bob2: Page;
  let origin: string;

  const start = async () => {
    server = await startTestServer({ db, config: { port, webRoot: KEYSET_DIST, media: { enabled: true, bindAddress: '127.0.0.1' } } });
  };

  beforeAll(async () => {
    wavDir = await mkdtemp(join(tmpdir(), 'keyset-browser-'));
    const wav = join(wavDir, 'tone.wav');
    await writeFile(wav, wavFile(tone({ frequency: TONE_HZ, dbfs: -6, samples: 48_000 * 4 }), 48_000));
    // Chromium first: a browser spawned after the server inherits the media edge's UDP socket (it is
    // not close-on-exec), which then blocks the restarted server from binding the same port.
    browser = await launchChromium({ fakeAudio: wav });
    db = await copyFixture();
    port = await freePort();
    await start();
    origin = `https://127.0.0.1:${port}/`;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await rm(db, { recursive: true, force: true });
    await rm(wavDir, { recursive: true, force: true });
  });

  it('alice talks by push-to-talk on loop1; bob, monitoring, hears her tone and sees her talking', async () => {
    ({ page: alice } = await newKeysetPage(browser, origin));
    ({ page: bob } = await newKeysetPage(browser, origin));
    await Promise.all([loginThroughUi(alice, 'alice', 'flight'), loginThroughUi(bob, 'bob', 'ground')]);
    await switchTile(bob, 'loop1', 'recv');
    await switchTile(alice, 'loop1', 'send');
    expect(await poll(() => tileAttr(bob, 'loop1', 'data-participants'), (n) => n === '2', 5_000)).toBe('2');

    // Talk selected but PTT not held: alice's track is muted, so bob hears nothing.
    await new Promise((r) => setTimeout(r, 1500));
    expect(hearsTone(await peak(bob), TONE_HZ)).toBe(false);
    expect(await tileAttr(bob, 'loop1', 'data-talkers')).toBe('');

    await alice.locator('body').click({ position: { x: 5, y: 400 } }); // focus the page, not an input
    await alice.keyboard.down('Space');
    await alice.waitForSelector('[data-transmitting="true"]', { timeout: 5_000 });
    const heard = await poll(() => peak(bob), (p) => hearsTone(p, TONE_HZ), 15_000);
    expect(hearsTone(heard, TONE_HZ), `bob's peak ${heard.frequency.toFixed(0)} Hz at ${heard.db.toFixed(1)} dB`).toBe(true);
    await bob.waitForSelector('.tile[data-loop="loop1"][data-talkers~="alice"], .tile[data-loop="loop1"][data-talkers^="alice"]', { timeout: 10_000 });

    await alice.keyboard.up('Space');
    await alice.waitForSelector('[data-transmitting="false"]', { timeout: 5_000 });
    const cleared = await poll(() => tileAttr(bob, 'loop1', 'data-talkers'), (t) => t === '', 10_000);
    expect(cleared).toBe('');
    const quiet = await poll(() => peak(bob), (p) => !hearsTone(p, TONE_HZ), 10_000);
    expect(hearsTone(quiet, TONE_HZ)).toBe(false);
  }, 90_000);

  it("a second client of bob's user and role mirrors his switches and volume within 1 s", async () => {
    ({ page: bob2 } = await newKeysetPage(browser, origin));
    await loginThroughUi(bob2, 'bob', 'ground');
    // Starts with bob's persisted states.
    expect(await tileAttr(bob2, 'loop1', 'data-state')).toBe('recv');

    await tile(bob, 'loop4').locator('.key-listen').click();
    let t0 = Date.now();
    await bob2.waitForSelector('.tile[data-loop="loop4"][data-state="recv"]', { timeout: 5_000 });
    expect(Date.now() - t0).toBeLessThan(1000);
    // bob2 switched its own socket too: both of bob's clients are participants of loop4.
    expect(await poll(() => tileAttr(bob, 'loop4', 'data-participants'), (n) => n === '2', 5_000)).toBe('2');

    await tile(bob, 'loop1').locator('input[type="range"]').fill('80');
    t0 = Date.now();
    await bob2.waitForSelector('.tile[data-loop="loop1"][data-volume="80"]', { timeout: 5_000 });
    expect(Date.now() - t0).toBeLessThan(1000);

    await tile(bob, 'loop4').locator('.key-listen').click();
    t0 = Date.now();
    await bob2.waitForSelector('.tile[data-loop="loop4"][data-state="none"]', { timeout: 5_000 });
    expect(Date.now() - t0).toBeLessThan(1000);
  }, 60_000);

  it("reloading bob's page logs in with the stored session and restores his loop states", async () => {
    await bob.reload();
    await waitReady(bob);
    expect(await bob.getByLabel('Password').count()).toBe(0);
    expect(await tileAttr(bob, 'loop1', 'data-state')).toBe('recv');
    expect(await tileAttr(bob, 'loop1', 'data-volume')).toBe('80');
    expect(await tileAttr(bob, 'loop4', 'data-state')).toBe('none');
    // The restored state is live on the server too: alice sees bob (and bob2) on loop1 again.
    expect(await poll(() => tileAttr(alice, 'loop1', 'data-participants'), (n) => n === '3', 10_000)).toBe('3');
  }, 60_000);

  it('rides out a server restart: shows the outage, reconnects by itself, audio flows again', async () => {
    await server!.stop();
    server = undefined;
    await bob.waitForSelector('[data-health="down"]', { timeout: 15_000 });
    await alice.waitForSelector('[data-health="down"]', { timeout: 15_000 });
    await start();
    await Promise.all([waitReady(bob, 40_000), waitReady(alice, 40_000)]);
    await bob.waitForSelector('[data-health="ok"]', { timeout: 15_000 });
    expect(await tileAttr(bob, 'loop1', 'data-state')).toBe('recv');
    expect(await tileAttr(alice, 'loop1', 'data-state')).toBe('send');

    await alice.keyboard.down('Space');
    const heard = await poll(() => peak(bob), (p) => hearsTone(p, TONE_HZ), 20_000);
    await alice.keyboard.up('Space');
    expect(hearsTone(heard, TONE_HZ), `bob's peak ${heard.frequency.toFixed(0)} Hz at ${heard.db.toFixed(1)} dB`).toBe(true);
  }, 90_000);
});
