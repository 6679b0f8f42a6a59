// Takes the admin console screenshots of docs/admin.md against a real server, at 1920×1080 and on a phone (390×844):
//   node scripts/web.js build && npx vite-node test/admin/screenshots.ts
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { ProtocolClient } from '../support/protocol-client.js';
import { startTestServer } from '../support/server.js';

const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url));
const PROJECT = 'mcc@127.0.0.1';
const STEP_MS = 10_000;

const browser = await launchChromium();
const server = await startTestServer();
try {
  // A project an administrator would recognise: a dozen loops with colours, three roles, a layout.
  const admin = await ProtocolClient.connect(server.apiUrl);
  await admin.loginAs('alice', 'alice');
  const NAMES = ['FLIGHT', 'CAPCOM', 'FAO', 'EECOM', 'GNC', 'INCO', 'FIDO', 'SURGEON'];
  const COLORS = ['#2563eb', '#d97706', '#16a34a', '#7c3aed', '#db2777', '#0891b2', '#65a30d', '#dc2626'];
  await admin.ok('create', { type: 'role', id: 'fido', scope: { type: 'project', id: PROJECT } });
  await admin.ok('update', { type: 'role', id: 'fido', data: { name: 'Flight Dynamics', abbreviation: 'FDO', color: '#0891b2' } });
  for (const [i, name] of NAMES.entries()) {
    const id = name.toLowerCase();
    await admin.ok('create', { type: 'loop', id, scope: { type: 'project', id: PROJECT } });
    await admin.ok('update', { type: 'loop', id, data: { name, abbreviation: name.slice(0, 3), color: COLORS[i], multicast: { host: '239.255.0.1', port: 22_000 + i } } });
    await admin.ok('update_key', { type: 'loop', id, key: 'roles', data: { flight: i % 2 === 0, ground: i % 3 === 0 ? true : false, ...(i % 4 === 1 ? { fido: true } : {}) } });
  }
  admin.close();

  const open = async (viewport: { width: number; height: number }): Promise<Page> => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport });
    const page = await context.newPage();
    await page.goto(`https://127.0.0.1:${server.port}/admin/`);
    await page.getByTestId('login-user').waitFor({ timeout: STEP_MS });
    return page;
  };
  const signIn = async (page: Page) => {
    await page.getByTestId('login-user').fill('admin');
    await page.getByTestId('login-password').fill('admin');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('scope-list').waitFor({ state: 'attached', timeout: STEP_MS });
  };
  const tab = async (page: Page, id: string) => {
    await page.getByTestId(`tab-${id}`).click();
    await page.locator(`[data-testid="tab-${id}"][aria-selected="true"]`).waitFor({ timeout: STEP_MS });
    await page.mouse.move(0, 0);
  };

  const desk = await open({ width: 1920, height: 1080 });
  await signIn(desk);
  await desk.getByTestId(`scope-project-${PROJECT}`).click();
  await tab(desk, 'matrix');
  await desk.getByTestId('matrix').waitFor({ timeout: STEP_MS });
  await desk.screenshot({ path: `${DOCS}admin-matrix.png` });
  await tab(desk, 'layout');
  await desk.getByTestId('layout-role-flight').click();
  await desk.mouse.move(0, 0);
  await desk.screenshot({ path: `${DOCS}admin-layout.png` });
  await tab(desk, 'loops');
  await desk.getByTestId('edit-loop-capcom').click();
  await desk.getByTestId('loop-editor').waitFor({ timeout: STEP_MS });
  await desk.mouse.move(0, 0);
  await desk.screenshot({ path: `${DOCS}admin-loops.png` });

  const phone = await open({ width: 390, height: 844 });
  await phone.screenshot({ path: `${DOCS}admin-phone-login.png` });
  await signIn(phone);
  await phone.getByTestId('menu-toggle').click();
  await phone.getByTestId('scope-list').waitFor({ timeout: STEP_MS });
  await phone.screenshot({ path: `${DOCS}admin-phone-menu.png` });
  await phone.getByTestId(`scope-project-${PROJECT}`).click();
  await tab(phone, 'matrix');
  await phone.getByTestId('matrix').waitFor({ timeout: STEP_MS });
  await phone.screenshot({ path: `${DOCS}admin-phone-matrix.png` });
  await tab(phone, 'users');
  await phone.getByTestId('new-user').click();
  await phone.getByTestId('user-editor').scrollIntoViewIfNeeded();
  await phone.mouse.move(0, 0);
  await phone.screenshot({ path: `${DOCS}admin-phone-user.png` });
  console.log('admin screenshots written to docs/');
} finally {
  await browser.close();
  await server.stop();
}
