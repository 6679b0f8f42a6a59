// Takes the docs screenshots (login, grid dark, grid light) at 1280×800 against a real server:
//   npm run build && npx vite-node test/keyset/screenshots.ts
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../support/chromium.js';
import { startTestServer } from '../support/server.js';
import { KEYSET_DIST, loginThroughUi, newKeysetPage, switchTile } from './harness.js';

const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url));

const server = await startTestServer({ config: { webRoot: KEYSET_DIST, media: { enabled: true, bindAddress: '127.0.0.1' } } });
const browser = await launchChromium();
try {
  const origin = `https://127.0.0.1:${server.port}/`;
  const { page } = await newKeysetPage(browser, origin);
  await page.getByLabel('User').waitFor();
  await page.screenshot({ path: `${DOCS}keyset-login.png` });
  await loginThroughUi(page, 'alice', 'flight');
  // A second operator so tiles show participants and a talker.
  const { page: bob } = await newKeysetPage(browser, origin);
  await loginThroughUi(bob, 'bob', 'ground');
  await switchTile(bob, 'loop1', 'send');
  await switchTile(page, 'loop1', 'recv');
  await switchTile(page, 'loop2', 'send');
  await switchTile(page, 'loop4', 'recv');
  await bob.getByTestId('ptt').dispatchEvent('pointerdown', { button: 0, pointerId: 1, pointerType: 'mouse' });
  await page.waitForSelector('.tile[data-loop="loop1"][data-talkers="bob"]', { timeout: 15_000 });
  await page.waitForSelector('.quality', { timeout: 10_000 });
  await page.mouse.move(0, 0);
  await page.screenshot({ path: `${DOCS}keyset-grid-dark.png` });
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByRole('radio', { name: 'Light' }).click();
  await page.getByRole('button', { name: 'Close settings' }).click();
  await page.mouse.move(0, 0);
  await page.screenshot({ path: `${DOCS}keyset-grid-light.png` });
  console.log('screenshots written to docs/');
} finally {
  await browser.close();
  await server.stop();
}
