// The console's telephony and LDAP pages in Chromium against a real server (SIP gateway on, LDAP
// against a slapd started as in test/ldap): a loop gets a phone number and call-out roles on the loop
// editor (a number already taken is refused at the field), a call permission is added and revoked,
// the calls page shows the gateway, the LDAP page shows the directory and its test login answers.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE, startSlapd, type Slapd } from '../ldap/slapd.js';
import { launchChromium } from '../support/chromium.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { axeViolations } from './axe.js';
import { openConsole, openTab, selectScope, waitLoggedIn } from './console-driver.js';

const PROJECT = 'mcc@127.0.0.1';
const STEP_MS = 10_000;
let slapd: Slapd;
let server: TestServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  slapd = await startSlapd();
  [server, browser] = await Promise.all([
    startTestServer({
      config: {
        media: { enabled: true, bindAddress: '127.0.0.1' },
        sip: { host: '127.0.0.1', port: 0 },
        ldap: { url: slapd.url, userDn: `uid={user},ou=people,${BASE}`, groups: { base: `ou=groups,${BASE}` }, projects: [{ project: PROJECT, roles: { 'flight-directors': ['flight'], ground: ['ground'] } }] },
      },
    }),
    launchChromium(),
  ]);
  page = await openConsole(browser, `https://127.0.0.1:${server.port}`, 'admin', 'admin');
  await waitLoggedIn(page);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await slapd?.remove();
});

function loop(id: string) {
  const scope = server.services.directory.project(PROJECT);
  return scope ? server.services.directory.loop(scope, id) : undefined;
}

describe('telephony on the loop editor', () => {
  it('sets a loop number and call-out roles; a taken number is refused at the field', async () => {
    await selectScope(page, 'project', PROJECT);
    await openTab(page, 'loops');
    await page.getByTestId('edit-loop-loop1').click();
    const form = page.getByTestId('loop-telephony');
    await form.getByTestId('field-sip.number').fill('4711');
    await form.getByTestId('callout-flight').check();
    await form.getByTestId('telephony-save').click();
    await page.locator('[data-testid="loop-number-loop1"]', { hasText: '4711' }).waitFor({ timeout: STEP_MS });
    expect(loop('loop1')?.sip).toMatchObject({ number: '4711', callout: ['flight'] });

    await page.getByTestId('edit-loop-loop2').click();
    const other = page.getByTestId('loop-telephony');
    await other.getByTestId('field-sip.number').fill('4711');
    await other.getByTestId('telephony-save').click();
    await expect(page.getByTestId('error-sip.number').textContent({ timeout: STEP_MS })).resolves.toContain('loop1');
    expect(loop('loop2')?.sip?.number).toBeUndefined();
  });

  it('adds and revokes a call permission', async () => {
    await page.getByTestId('edit-loop-loop1').click();
    const permissions = page.getByTestId('call-permissions');
    await permissions.getByTestId('field-permit-party').fill('+4930111');
    await permissions.getByTestId('permit-add').click();
    await permissions.locator('[data-testid="call-permission"]', { hasText: '+4930111' }).waitFor({ timeout: STEP_MS });
    expect(await axeViolations(page)).toEqual([]);
    expect(loop('loop1')?.sip?.whitelist).toEqual([{ caller: '+4930111', loop: 'loop1', valid_from: 0, valid_until: 0 }]);
    // The number set before is kept: permissions and number share the loop's sip object.
    expect(loop('loop1')?.sip?.number).toBe('4711');
    await permissions.getByTestId('permit-revoke').click();
    await permissions.locator('[data-testid="call-permission"]').waitFor({ state: 'detached', timeout: STEP_MS });
    expect(loop('loop1')?.sip?.whitelist).toEqual([]);
  });
});

describe('calls and LDAP pages', () => {
  it('shows the SIP gateway on the calls page', async () => {
    await page.getByTestId('nav-calls').click();
    await expect(page.getByTestId('sip-status').textContent({ timeout: STEP_MS })).resolves.toContain('SIP gateway running');
    expect(await axeViolations(page)).toEqual([]);
  });

  it('shows the LDAP settings and tests a login', async () => {
    await page.getByTestId('nav-ldap').click();
    await expect(page.getByTestId('ldap-settings').textContent({ timeout: STEP_MS })).resolves.toContain(slapd.url);
    const form = page.getByTestId('ldap-test');
    await form.getByTestId('field-ldap-user').fill('grace');
    await form.getByTestId('field-ldap-password').fill('grace-pw');
    await form.getByTestId('ldap-test-run').click();
    const result = page.locator('[data-testid="ldap-test-result"][data-result="ok"]');
    await result.waitFor({ timeout: STEP_MS });
    expect(await result.textContent()).toContain('flight, ground');
    expect(await form.getByTestId('field-ldap-password').inputValue()).toBe('');
    expect(server.services.directory.findUser('grace')).toBeUndefined();
    expect(await axeViolations(page)).toEqual([]);

    await form.getByTestId('field-ldap-password').fill('wrong');
    await form.getByTestId('ldap-test-run').click();
    await page.locator('[data-testid="ldap-test-result"][data-result="refused"]').waitFor({ timeout: STEP_MS });
  });
});
