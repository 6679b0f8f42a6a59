// The admin console on a phone (390×844) and its accessibility, in Chromium against a real server: the
// navigation collapses behind a menu button, no page scrolls sideways (the permission matrix scrolls inside
// its card), a form fits and works, and axe-core finds no serious or critical violation on the login page
// and on every view after login, the Operations pages (Live, Audit, Calls, LDAP, Recording) included (at
// phone and desktop size).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { axeViolations } from './axe.js';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };
const PROJECT = 'mcc@127.0.0.1';
const PROJECT_TABS = ['users', 'roles', 'loops', 'matrix', 'layout', 'transfer'] as const;
/** The pages about the whole server, in the navigation's Operations section. */
const GLOBAL_PAGES = ['nav-live', 'nav-audit', 'nav-calls', 'nav-ldap', 'nav-recording'] as const;

let server: TestServer;
let browser: Browser;
let origin: string;
let recordings: string;

beforeAll(async () => {
  recordings = await mkdtemp(join(tmpdir(), 'admin-a11y-rec-')); // the Recording page shows its forms only with a recorder
  [server, browser] = await Promise.all([startTestServer({ config: { recorder: { dir: recordings } } }), launchChromium()]);
  origin = `https://127.0.0.1:${server.port}`;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await rm(recordings, { recursive: true, force: true });
});

async function openPage(viewport: { width: number; height: number }): Promise<Page> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport });
  const page = await context.newPage();
  await page.goto(`${origin}/admin/`);
  await page.getByTestId('login-user').waitFor({ timeout: 10_000 });
  return page;
}

async function signIn(page: Page): Promise<void> {
  await page.getByTestId('login-user').fill('admin');
  await page.getByTestId('login-password').fill('admin');
  await page.getByTestId('login-submit').click();
  await page.getByTestId('scope-list').waitFor({ state: 'attached', timeout: 10_000 }); // hidden behind the menu on a phone
}

/** Waits until a page has loaded what it shows (no "Loading…" left), so axe checks the real content. */
async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => !(globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText.includes('Loading…'), undefined, { timeout: 10_000 });
}

/** How far the page itself scrolls sideways (0 = not at all). */
const sidewaysScroll = (page: Page) =>
  page.evaluate(() => {
    const doc = (globalThis as unknown as { document: { scrollingElement: { scrollWidth: number; clientWidth: number } } }).document;
    return doc.scrollingElement.scrollWidth - doc.scrollingElement.clientWidth;
  });

/** Whether the element's box lies horizontally inside the viewport. */
async function insideViewport(page: Page, selector: string): Promise<boolean> {
  const box = await page.locator(selector).first().boundingBox();
  const width = page.viewportSize()?.width ?? 0;
  return box !== null && box.x >= 0 && box.x + box.width <= width + 0.5;
}

async function openMenu(page: Page): Promise<void> {
  const toggle = page.getByTestId('menu-toggle');
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  await page.getByTestId('scope-list').waitFor({ state: 'visible', timeout: 5_000 });
}

async function showTab(page: Page, tab: string): Promise<void> {
  await page.getByTestId(`tab-${tab}`).click();
  await page.locator(`[data-testid="tab-${tab}"][aria-selected="true"]`).waitFor({ timeout: 10_000 });
  await page.locator('section.page').waitFor({ timeout: 10_000 });
}

describe('admin console on a phone and for assistive technology', () => {
  it('login page: fits 390×844 and has no serious accessibility violation', async () => {
    const page = await openPage(PHONE);
    expect(await sidewaysScroll(page)).toBe(0);
    expect(await insideViewport(page, '[data-testid="login-form"]')).toBe(true);
    expect(await axeViolations(page)).toEqual([]);
    await page.context().close();
  }, 30_000);

  it('on a phone the navigation collapses behind a menu button, every view fits, the matrix scrolls inside its card', async () => {
    const page = await openPage(PHONE);
    await signIn(page);
    // Collapsed: the scope list is hidden until the menu button opens it; choosing a scope closes it again.
    const toggle = page.getByTestId('menu-toggle');
    expect(await toggle.isVisible()).toBe(true);
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    expect(await page.getByTestId('scope-list').isVisible()).toBe(false);
    await openMenu(page);
    expect(await insideViewport(page, '[data-testid="scope-list"]')).toBe(true);
    await page.getByTestId(`scope-project-${PROJECT}`).click();
    await page.getByTestId('scope-list').waitFor({ state: 'hidden', timeout: 5_000 });
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');

    const violations: Record<string, string[]> = {};
    const sideways: Record<string, number> = {};
    for (const tab of PROJECT_TABS) {
      await showTab(page, tab);
      sideways[tab] = await sidewaysScroll(page);
      expect(await insideViewport(page, `[data-testid="tab-${tab}"]`), `tab ${tab} button off screen`).toBe(true);
      violations[tab] = await axeViolations(page);
    }
    // The matrix is wider than the phone: its card scrolls, the page does not.
    await showTab(page, 'matrix');
    expect(await insideViewport(page, '.matrix-card')).toBe(true);
    const scroller = await page.locator('.matrix-scroll').evaluate((el: { scrollWidth: number; clientWidth: number }) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    expect(scroller.scroll).toBeGreaterThan(scroller.client);
    await page.locator('[data-testid="cell-loop4-ground"] [data-perm="talk"]').scrollIntoViewIfNeeded();
    expect(await sidewaysScroll(page)).toBe(0);

    for (const item of GLOBAL_PAGES) {
      await openMenu(page);
      await page.getByTestId(item).click();
      await page.getByTestId('scope-list').waitFor({ state: 'hidden', timeout: 5_000 });
      await settled(page);
      sideways[item] = await sidewaysScroll(page);
      violations[item] = await axeViolations(page);
    }
    await openMenu(page);
    violations['open menu'] = await axeViolations(page);
    expect(sideways).toEqual(Object.fromEntries(Object.keys(sideways).map((k) => [k, 0])));
    expect(violations).toEqual(Object.fromEntries(Object.keys(violations).map((k) => [k, []])));
    await page.context().close();
  }, 90_000);

  it('on a phone a form fits the screen and works: a user is created', async () => {
    const page = await openPage(PHONE);
    await signIn(page);
    await openMenu(page);
    await page.getByTestId(`scope-project-${PROJECT}`).click();
    await showTab(page, 'users');
    await page.getByTestId('new-user').click();
    const form = page.getByTestId('user-editor');
    await form.waitFor({ timeout: 5_000 });
    for (const field of ['field-id', 'field-name', 'field-password', 'save-user']) {
      expect(await insideViewport(page, `[data-testid="user-editor"] [data-testid="${field}"]`), field).toBe(true);
    }
    await form.getByTestId('field-id').fill('phone-user');
    await form.getByTestId('field-name').fill('Phone User');
    await form.getByTestId('field-password').fill('phone-secret-1');
    await form.getByTestId('save-user').click();
    await page.getByTestId('user-row-phone-user').waitFor({ timeout: 10_000 });
    expect(await sidewaysScroll(page)).toBe(0);
    await page.context().close();
  }, 60_000);

  it('at desktop size the sidebar shows without a menu button and no view has a serious accessibility violation', async () => {
    const page = await openPage(DESKTOP);
    await signIn(page);
    expect(await page.getByTestId('menu-toggle').isVisible()).toBe(false);
    expect(await page.getByTestId('scope-list').isVisible()).toBe(true);
    const violations: Record<string, string[]> = {};
    await page.getByTestId('scope-domain-127.0.0.1').click();
    await showTab(page, 'projects');
    violations.projects = await axeViolations(page);
    await page.getByTestId(`scope-project-${PROJECT}`).click();
    for (const tab of PROJECT_TABS) {
      await showTab(page, tab);
      violations[tab] = await axeViolations(page);
    }
    for (const item of GLOBAL_PAGES) {
      await page.getByTestId(item).click();
      await page.locator(`[data-testid="${item}"][aria-current="page"]`).waitFor({ timeout: 10_000 });
      await settled(page);
      violations[item] = await axeViolations(page);
    }
    // The recording page's forms (with a recorder configured) and the role editor's boxes.
    expect(await page.getByTestId('recording-retention').isVisible()).toBe(true);
    await page.getByTestId(`scope-project-${PROJECT}`).click();
    await showTab(page, 'roles');
    await page.getByTestId('edit-role-ground').click();
    await page.getByTestId('role-playback').waitFor({ timeout: 5_000 });
    violations['role editor'] = await axeViolations(page);
    expect(violations).toEqual(Object.fromEntries(Object.keys(violations).map((k) => [k, []])));
    await page.context().close();
  }, 90_000);
});
