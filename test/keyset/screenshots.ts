// Takes the docs screenshots against a real server: login, a full 8×6 page at 1920×1080 (dark and light) and the
// phone list (390×844):
//   node scripts/web.js build && npx vite-node test/keyset/screenshots.ts
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../support/chromium.js';
import { ProtocolClient } from '../support/protocol-client.js';
import { startTestServer } from '../support/server.js';
import { KEYSET_DIST, loginThroughUi, newKeysetPage, switchTile } from './harness.js';

const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url));
const PROJECT = 'mcc@127.0.0.1';
const NAMES = ['FD', 'CAPCOM', 'FAO', 'EECOM', 'GNC', 'TELMU', 'CONTROL', 'INCO', 'RETRO', 'FIDO', 'GUIDO', 'SURGEON', 'BOOSTER', 'RANGE', 'WEATHER', 'PAO'];

const browser = await launchChromium(); // before the server (see keyset-browser.test.ts)
const server = await startTestServer({ config: { webRoot: KEYSET_DIST, media: { enabled: true, bindAddress: '127.0.0.1' } } });
try {
  // Fill page 1 of the flight role: 8 columns × 6 rows, the fixture's four loops included.
  const admin = await ProtocolClient.connect(server.apiUrl);
  await admin.loginAs('alice', 'alice');
  const project = (await admin.ok('get', { type: 'project', id: PROJECT })).result as { loops: Record<string, unknown> };
  const layout = (await admin.ok('get_layout', { role: 'flight' })).layout as Record<string, Array<{ row: number; column: number }>>;
  const taken = new Set(Object.values(layout).flat().map((p) => `${p.row}/${p.column}`));
  const loops = { ...project.loops };
  let n = 0;
  for (let row = 1; row <= 6; row++) {
    for (let column = 1; column <= 8; column++) {
      if (taken.has(`${row}/${column}`)) continue;
      const id = `ops${++n}`;
      loops[id] = { id, name: `${NAMES[n % NAMES.length]} ${Math.ceil(n / NAMES.length)}`, multicast: { host: '224.0.0.1', port: 21_000 + n }, roles: { flight: n % 3 !== 0 } };
      layout[id] = [{ page: 1, row, column }] as never;
    }
  }
  await admin.ok('update_key', { type: 'project', id: PROJECT, key: 'loops', data: loops });
  await admin.ok('set_layout', { role: 'flight', layout });
  admin.close();

  const origin = `https://127.0.0.1:${server.port}/`;
  const { page } = await newKeysetPage(browser, origin, { width: 1920, height: 1080 });
  await page.getByLabel('User').waitFor();
  await page.screenshot({ path: `${DOCS}keyset-login.png` });
  await loginThroughUi(page, 'alice', 'flight');
  // A second operator so keys show participants and a talker.
  const { page: bob } = await newKeysetPage(browser, origin);
  await loginThroughUi(bob, 'bob', 'flight');
  await switchTile(bob, 'loop1', 'send');
  for (const loop of ['loop1', 'loop4', 'ops3', 'ops7', 'ops12']) await switchTile(page, loop, 'recv');
  await switchTile(page, 'loop2', 'send');
  await bob.getByTestId('ptt').dispatchEvent('pointerdown', { button: 0, pointerId: 1, pointerType: 'mouse' });
  await page.waitForSelector('.tile[data-loop="loop1"][data-talkers="bob"]', { timeout: 15_000 });
  await page.waitForSelector('.tile[data-loop="loop1"] .key-talker:text("Bob")', { timeout: 5_000 });
  await page.mouse.move(0, 0);
  await page.screenshot({ path: `${DOCS}keyset-grid-dark.png` });
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByRole('radio', { name: 'Light' }).click();
  await page.getByRole('button', { name: 'Close settings' }).click();
  await page.mouse.move(0, 0);
  await page.screenshot({ path: `${DOCS}keyset-grid-light.png` });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${DOCS}keyset-phone.png` });
  console.log('screenshots written to docs/');
} finally {
  await browser.close();
  await server.stop();
}
