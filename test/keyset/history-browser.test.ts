// The recordings history page in Chromium: bob, whose `ground` role has the playback right, searches the
// last 15 minutes, sees alice's recorded talk on loop1's lane, and the <audio> element loads the mix
// (a duration), seeks and plays; the WAV export downloads a WAV.
import { readFile, rm } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import type { Operator } from '../support/media-operator.js';
import { ProtocolClient } from '../support/protocol-client.js';
import type { TestServer } from '../support/server.js';
import { keysetBuilt, newKeysetPage, poll } from './harness.js';
import { loginHistory, startRecordedServer, talkFor, toneTalker } from './recorded-server.js';

type Media = { readyState: number; duration: number; currentTime: number; paused: boolean; error: number | null };
/** The parts of an HTMLMediaElement the test reads (the tests are compiled without the DOM library). */
type AudioElement = Omit<Media, 'error'> & { error: { code: number } | null };
const media = (page: Page): Promise<Media> =>
  page.$eval('audio[data-testid="mix-player"]', (el) => {
    const a = el as unknown as AudioElement;
    return { readyState: a.readyState, duration: a.duration, currentTime: a.currentTime, paused: a.paused, error: a.error?.code ?? null };
  });

describe.skipIf(!keysetBuilt())('recordings history page', () => {
  let server: TestServer;
  let browser: Browser;
  let alice: Operator | undefined;

  beforeAll(async () => {
    browser = await launchChromium(); // before the server (see keyset-browser.test.ts)
    server = await startRecordedServer({ loops: { loop1: {}, loop4: {} }, playbackRoles: ['ground'] });
  }, 60_000);

  afterAll(async () => {
    alice?.close();
    await browser?.close();
    await server?.stop();
    await rm(server.db, { recursive: true, force: true });
  });

  it('shows a recorded talk on the timeline and plays and seeks the mix', async () => {
    alice = await toneTalker(server, 'alice', 'loop1', 440);
    await talkFor(alice, 2000);
    // The spurt is closed 1 s after the last packet: wait until its record is there and at full length.
    const admin = await ProtocolClient.connect(server.apiUrl);
    await admin.loginAs('admin', 'admin');
    const talks = await poll(
      async () => (await admin.ok('recording_search', { loops: ['loop1'], from: Date.now() - 60_000, to: Date.now() })).talks as Array<{ start: number; end: number }>,
      (t) => t.length === 1 && t[0]!.end - t[0]!.start > 1500,
      10_000,
    );
    admin.close();
    expect(talks.length).toBe(1);

    const { page } = await newKeysetPage(browser, `https://127.0.0.1:${server.port}/history.html`);
    await loginHistory(page, 'bob', 'bob');
    // bob has two roles, only `ground` plays back: no role question. The recorded loops he may monitor are offered.
    await page.getByRole('button', { name: '15 min' }).click();
    const bar = page.locator('.lane[data-loop="loop1"] .talk-bar[data-user="alice"]');
    await bar.waitFor({ timeout: 10_000 });
    expect(await page.locator('.lane[data-loop="loop4"] .talk-bar').count()).toBe(0);
    expect(await page.locator('.talks tbody tr').count()).toBe(1);

    // The mix loads: a finite duration about the talk plus the 1 s lead-in and tail.
    const loaded = await poll(() => media(page), (m) => m.readyState >= 1 && Number.isFinite(m.duration), 10_000);
    expect(loaded.error).toBeNull();
    expect(loaded.duration).toBeGreaterThan(2.5);
    expect(loaded.duration).toBeLessThan(6);
    // Seek (byte ranges on the signed link) and play on.
    await page.$eval('audio[data-testid="mix-player"]', (el) => {
      (el as unknown as AudioElement).currentTime = 1.5;
    });
    const sought = await poll(() => media(page), (m) => Math.abs(m.currentTime - 1.5) < 0.05, 5_000, 50);
    expect(Math.abs(sought.currentTime - 1.5)).toBeLessThan(0.05);
    // A click on the bar plays the mix from alice's start (1 s into the mix) and it advances.
    await bar.click();
    const playing = await poll(() => media(page), (m) => !m.paused && m.currentTime > 1.3, 5_000, 50);
    expect(playing.paused).toBe(false);
    expect(playing.error).toBeNull();

    // A WAV export holds 10 minutes: the 15-minute range is refused with the reason; a narrow range downloads.
    await page.getByTestId('export-wav').click();
    await expect(page.getByTestId('history-error').textContent()).resolves.toContain('at most 10 minutes');
    const field = (ms: number) => new Date(ms).toISOString().slice(0, 19);
    const from = Math.floor((talks[0]!.start - 2000) / 1000) * 1000;
    await page.getByLabel('From (UTC)').fill(field(from));
    await page.getByLabel('To (UTC)').fill(field(talks[0]!.end + 2000));
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    type Hook = { __history: { searched(): { from: number } | undefined; busy(): boolean } };
    await page.waitForFunction((f) => {
      const h = (globalThis as unknown as Hook).__history;
      return h.searched()?.from === f && !h.busy();
    }, from);
    const download = page.waitForEvent('download', { timeout: 10_000 });
    await page.getByTestId('export-wav').click();
    const file = await (await download).path();
    const wav = await readFile(file);
    expect(wav.subarray(0, 4).toString('latin1')).toBe('RIFF');
    // 48 kHz mono 16-bit over the range (talk + 2 × 2 s, the talk's start and end rounded down/up to the second).
    expect(wav.length).toBeGreaterThan(44 + 48_000 * 2 * 4);
  }, 60_000);
});
