// Takes the screenshots of the recordings history page in docs/recording.md against a real server: three
// talks on two recorded loops (two overlapping), searched by an investigator, at 1920×1080 and on a phone:
//   node scripts/web.js build && npx vite-node test/keyset/history-screenshots.ts
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { sleep, type Operator } from '../support/media-operator.js';
import { newKeysetPage } from './harness.js';
import { loginHistory, startRecordedServer, toneTalker } from './recorded-server.js';

const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url));

const browser = await launchChromium(); // before the server (see keyset-browser.test.ts)
const server = await startRecordedServer({ loops: { loop1: { name: 'FLIGHT' }, loop4: { name: 'GNC' } }, playbackRoles: ['ground'] });
const operators: Operator[] = [];
try {
  const talker = async (user: string, loop: string, frequency: number) => {
    const op = await toneTalker(server, user, loop, frequency);
    operators.push(op);
    return op;
  };
  const alice = await talker('alice', 'loop1', 440);
  const carol = await talker('carol', 'loop4', 660);
  const start = Date.now();
  alice.media.startSending();
  await sleep(3000);
  carol.media.startSending();
  await sleep(1500);
  alice.media.stopSending();
  await sleep(2500);
  carol.media.stopSending();
  await sleep(2000);
  alice.media.startSending();
  await sleep(2000);
  alice.media.stopSending();
  await sleep(1500); // the last spurt closes 1 s after its last packet

  const field = (ms: number) => new Date(ms).toISOString().slice(0, 19);
  const show = async (page: Page) => {
    await loginHistory(page, 'bob', 'bob');
    await page.getByLabel('From (UTC)').fill(field(start - 5000));
    await page.getByLabel('To (UTC)').fill(field(Date.now() + 5000));
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.locator('.talk-bar').nth(2).waitFor({ timeout: 10_000 });
    await page.waitForFunction(() => {
      const audio = (globalThis as unknown as { document: { querySelector(s: string): { duration: number } | null } }).document.querySelector('audio');
      return audio !== null && Number.isFinite(audio.duration);
    });
    await page.locator('.talk-bar[data-user="carol"]').click();
    await sleep(700);
    await page.$eval('audio', (a) => (a as unknown as { pause(): void }).pause());
    await page.mouse.move(0, 0);
  };
  const origin = `https://127.0.0.1:${server.port}/history.html`;
  const { page: desktop } = await newKeysetPage(browser, origin, { width: 1920, height: 1080 });
  await show(desktop);
  await desktop.screenshot({ path: `${DOCS}history-desktop.png` });
  const { page: phone } = await newKeysetPage(browser, origin, { width: 390, height: 844 });
  await show(phone);
  await phone.screenshot({ path: `${DOCS}history-phone.png`, fullPage: true });
  console.log('screenshots written to docs/');
} finally {
  for (const op of operators) op.close();
  await browser.close();
  await server.stop();
  await rm(server.db, { recursive: true, force: true });
}
