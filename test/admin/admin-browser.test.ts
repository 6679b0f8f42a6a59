// The admin console in real Chromium against a real server: an administrator builds a project in the
// browser and a new operator sees exactly that over the protocol; permission changes apply live;
// project admins and non-admins see only what they may.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { ProtocolClient } from '../support/protocol-client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { createLoop, createProject, createRole, createUser, openConsole, openTab, placeKey, selectScope, setPermission, submitLoop, waitLoggedIn, waitPermission } from './console-driver.js';

const PROJECT = 'artemis@127.0.0.1';
const ROLE = 'capcom';
const LOOPS = [
  { id: 'art-flight', name: 'FLIGHT', abbreviation: 'FLT', color: '#2563eb' },
  { id: 'art-ops', name: 'OPS COORD', abbreviation: 'OPS', color: '#d97706' },
  { id: 'art-ag', name: 'AIR/GROUND', abbreviation: 'A/G', color: '#16a34a' },
] as const;
const PERMISSIONS = { 'art-flight': 'talk', 'art-ops': 'monitor', 'art-ag': 'talk' } as const;
const LAYOUT = { 'art-flight': { page: 1, row: 1, column: 2 }, 'art-ops': { page: 1, row: 2, column: 1 }, 'art-ag': { page: 2, row: 1, column: 1 } } as const;

let server: TestServer;
let browser: Browser;
let origin: string;
let adminPage: Page;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchChromium()]);
  origin = `https://127.0.0.1:${server.port}`;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('admin console (browser)', () => {
  it('an admin builds a project in the browser; a new operator sees exactly that layout and those permissions', async () => {
    adminPage = await openConsole(browser, origin, 'admin', 'admin');
    await waitLoggedIn(adminPage);
    await createProject(adminPage, '127.0.0.1', PROJECT, 'Artemis');
    await selectScope(adminPage, 'project', PROJECT);
    await createUser(adminPage, 'eve', 'Eve Operator', 'eve-secret-1');
    await createUser(adminPage, 'frank', 'Frank Operator', 'frank-secret-1');
    await createRole(adminPage, { id: ROLE, name: 'CAPCOM', abbreviation: 'CC', color: '#7c3aed', members: ['eve', 'frank'] });
    // A second role with other grants: the operator of capcom must see only capcom's.
    await createRole(adminPage, { id: 'fido', name: 'Flight Dynamics', abbreviation: 'FDO', color: '#0891b2', members: ['frank'] });

    // A group:port already used by mcc's loop1 is refused on the field, before anything is sent.
    await submitLoop(adminPage, { ...LOOPS[0], multicast: '224.0.0.1:20001' });
    await expect.poll(() => adminPage.getByTestId('error-multicast').textContent(), { timeout: 10_000 }).toContain('already used by loop loop1');
    for (const loop of LOOPS) await createLoop(adminPage, loop);
    // Empty multicast: allocated above the directory's highest port (fixture loops use 20001..20004).
    const addresses = await Promise.all(LOOPS.map((l) => adminPage.getByTestId(`loop-multicast-${l.id}`).textContent()));
    expect(new Set(addresses).size).toBe(3);
    for (const a of addresses) expect(a).toMatch(/^239\.255\.0\.1:2000[5-9]$/);

    await openTab(adminPage, 'matrix');
    for (const [loop, permission] of Object.entries(PERMISSIONS)) await setPermission(adminPage, loop, ROLE, permission);
    await setPermission(adminPage, 'art-ops', 'fido', 'talk');
    await setPermission(adminPage, 'art-flight', 'fido', 'monitor');
    // Keyboard only: focus the cell (its checked radio) and step right from Off to Monitor.
    await adminPage.locator('[data-testid="cell-art-ag-fido"] [aria-checked="true"]').focus();
    await adminPage.keyboard.press('ArrowRight');
    await waitPermission(adminPage, 'art-ag', 'fido', 'monitor');

    await openTab(adminPage, 'layout');
    await adminPage.getByTestId(`layout-role-${ROLE}`).click();
    await placeKey(adminPage, 'art-flight', LAYOUT['art-flight']);
    // Drag and drop from the palette, as an administrator with a mouse would.
    await adminPage.getByTestId('palette-art-ops').dragTo(adminPage.getByTestId('slot-1-2-1'));
    await adminPage.locator('[data-testid="slot-1-2-1"] [data-testid="key-art-ops"]').waitFor({ timeout: 10_000 });
    await placeKey(adminPage, 'art-ag', LAYOUT['art-ag']);
    await adminPage.getByTestId('page-1').click();
    await adminPage.getByTestId('save-layout').click();
    await adminPage.locator('[data-testid="save-layout"]:disabled').waitFor({ timeout: 10_000 });

    const eve = await ProtocolClient.connect(server.apiUrl);
    try {
      await eve.loginAs('eve', 'eve-secret-1', ROLE);
      const { loops } = (await eve.ok('role_loops')) as { loops: Record<string, { permission: string; layout_position: unknown; name: string }> };
      expect(Object.keys(loops).sort()).toEqual(LOOPS.map((l) => l.id).sort());
      for (const loop of LOOPS) {
        expect(loops[loop.id]?.name).toBe(loop.name);
        expect(loops[loop.id]?.permission).toBe(PERMISSIONS[loop.id] === 'talk' ? 'send' : 'recv');
        expect(loops[loop.id]?.layout_position).toEqual([LAYOUT[loop.id]]);
      }
    } finally {
      eve.close();
    }
    // The password was never echoed into the page.
    expect(await adminPage.content()).not.toContain('eve-secret-1');
  });

  it('revoking talk in the matrix moves a talking operator to monitor within 1 s', async () => {
    const frank = await ProtocolClient.connect(server.apiUrl);
    try {
      await frank.loginAs('frank', 'frank-secret-1', ROLE);
      await frank.ok('role_loops');
      await frank.ok('switch_loop_state', { loop: 'art-flight', state: 'send' });
      await frank.ok('talking', { loop: 'art-flight', state: true });
      await openTab(adminPage, 'matrix');
      const clicked = Date.now();
      await adminPage.locator(`[data-testid="cell-art-flight-${ROLE}"] [data-perm="monitor"]`).click();
      const moved = await frank.waitFor((m) => m.event === 'switch_loop_state' && m.type === 'user_broadcast' && m.parameter?.loop === 'art-flight' && m.parameter.state === 'recv', 1000);
      expect(Date.now() - clicked).toBeLessThan(1000);
      expect(moved.parameter?.user).toBe('frank');
      expect((await frank.request('switch_loop_state', { loop: 'art-flight', state: 'send' })).error?.code).toBe(5004);
    } finally {
      frank.close();
    }
  });

  it('a project admin sees and changes only its own project', async () => {
    const page = await openConsole(browser, origin, 'alice', 'alice');
    await waitLoggedIn(page);
    const links = await page.getByTestId('scope-list').locator('[data-testid^="scope-"]').all();
    const scopes = await Promise.all(links.map((l) => l.getAttribute('data-testid')));
    expect(scopes).toEqual(['scope-project-mcc@127.0.0.1']);
    expect(await page.getByTestId('scope-title').textContent()).toBe('Mission Control');
    await page.context().close();

    const alice = await ProtocolClient.connect(server.apiUrl);
    try {
      await alice.loginAs('alice', 'alice');
      expect(Object.keys((await alice.ok('admin_projects')).projects as object)).toEqual(['mcc@127.0.0.1']);
      expect((await alice.request('get', { type: 'project', id: PROJECT })).error?.code).toBe(5000);
      expect((await alice.request('update', { type: 'loop', id: 'art-flight', data: { name: 'x' } })).error?.code).toBe(5000);
      expect((await alice.request('create', { type: 'user', id: 'mallory', scope: { type: 'project', id: PROJECT } })).error?.code).toBe(5000);
    } finally {
      alice.close();
    }
  });

  it('a non-admin is told plainly that the console is not for them', async () => {
    const page = await openConsole(browser, origin, 'bob', 'bob');
    const error = page.getByTestId('login-error');
    await error.waitFor({ timeout: 10_000 });
    expect(await error.textContent()).toContain('not an administrator');
    expect(await page.getByTestId('scope-list').count()).toBe(0);
    await page.context().close();
  });

  it('the audit log lists the changes an admin made', async () => {
    // Its own changes, so the test does not depend on the ones before it.
    const probe = await ProtocolClient.connect(server.apiUrl);
    try {
      await probe.loginAs('admin', 'admin');
      await probe.ok('create', { type: 'user', id: 'audit-probe', scope: { type: 'project', id: 'mcc@127.0.0.1' } });
      await probe.ok('update_password', { user: 'audit-probe', password: 'audit-probe-secret' });
      await probe.ok('update_key', { type: 'user', id: 'audit-probe', key: 'name', data: 'Audit Probe' });
    } finally {
      probe.close();
    }
    const page = await openConsole(browser, origin, 'admin', 'admin');
    await waitLoggedIn(page);
    await page.getByTestId('nav-audit').click();
    const table = page.getByTestId('audit-table');
    await table.waitFor({ timeout: 10_000 });
    await expect.poll(async () => (await table.textContent()) ?? '', { timeout: 10_000 }).toContain('audit-probe');
    const text = (await table.textContent()) ?? '';
    for (const event of ['create', 'update_password', 'update_key']) expect(text).toContain(event);
    expect(text).toContain('admin');
    await page.context().close();
  });
});
