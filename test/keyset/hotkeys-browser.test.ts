// Per-key hotkeys in Chromium against a real server, keyboard only: every control of the keyset is reached with
// Tab (and the grid's arrow keys), a listen and a talk hotkey are assigned in Settings, the listen key toggles
// its loop, holding the talk key talks on that loop alone, typing into a field does not fire, and the binding
// survives a reload (localStorage).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { KEYSET_DIST, keysetBuilt, loginThroughUi, newKeysetPage, poll, tile, tileAttr, waitReady } from './harness.js';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
type AxeWindow = { axe: { run(ctx: unknown, opts: object): Promise<{ violations: Array<{ id: string; impact: string | null; nodes: unknown[] }> }> } };

type Doc = { activeElement: { getAttribute(a: string): string | null; textContent: string | null; tagName: string } | null };

/** What has the focus: its data-hotkey, aria-label or text. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = (globalThis as unknown as { document: Doc }).document.activeElement;
    return el ? (el.getAttribute('data-hotkey') ?? el.getAttribute('aria-label') ?? `${el.tagName}:${el.textContent ?? ''}`) : '';
  });

/** Presses Tab until `want` has the focus (at most `limit` times); returns every focus stop on the way. */
async function tabTo(page: Page, want: (stop: string) => boolean, limit = 60): Promise<string[]> {
  const stops: string[] = [];
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    const stop = await focused(page);
    stops.push(stop);
    if (want(stop)) return stops;
  }
  throw new Error(`focus never reached the wanted control; stops: ${stops.join(' | ')}`);
}

describe.skipIf(!keysetBuilt())('per-key hotkeys (browser, keyboard only)', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const switches: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium(); // Chromium's fake microphone: the talk hotkey needs a live track
    server = await startTestServer({ config: { webRoot: KEYSET_DIST, media: { enabled: true, bindAddress: '127.0.0.1' } } });
    ({ page } = await newKeysetPage(browser, `https://127.0.0.1:${server.port}/`));
    page.on('websocket', (ws) =>
      ws.on('framesent', (f) => {
        const m = JSON.parse(String(f.payload)) as { event?: string; parameter?: { loop?: string; state?: string } };
        if (m.event === 'switch_loop_state') switches.push(`${m.parameter?.loop}:${m.parameter?.state}`);
      }),
    );
    await loginThroughUi(page, 'alice', 'flight');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('every control is reachable by keyboard; hotkeys are assigned in Settings and work; typing does not fire them', async () => {
    // Tab reaches the header, the grid's focused key (participants, listen, talk) and PTT; arrows reach the other keys.
    const stops = await tabTo(page, (s) => s.startsWith('Push to talk')); // the volume slider is disabled while off
    expect(stops).toEqual(expect.arrayContaining(['Role', 'Settings', 'Log out']));
    for (const control of [/^Listen to /, /^Talk on /, / participants/]) expect(stops.some((s) => control.test(s)), String(control)).toBe(true);
    const first = stops.find((s) => s.startsWith('Listen to '));
    await page.locator('.key-listen[data-index="0"]').focus();
    await page.keyboard.press('ArrowRight');
    expect(await focused(page)).toMatch(/^Listen to /);
    expect(await focused(page)).not.toBe(first);

    // Settings by keyboard: assign L to listen on loop1 and T to talk on loop2.
    await tabTo(page, (s) => s === 'Settings');
    await page.keyboard.press('Enter');
    await tabTo(page, (s) => s === 'loop1:listen');
    await page.keyboard.press('Enter');
    await page.keyboard.press('KeyL');
    await page.waitForSelector('[data-hotkey="loop1:listen"]:text-is("L")', { timeout: 5_000 });
    await tabTo(page, (s) => s === 'loop2:talk');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Space'); // the PTT key is refused, with the reason
    await page.getByRole('alert').filter({ hasText: 'push-to-talk' }).waitFor({ timeout: 5_000 });
    await page.keyboard.press('Enter');
    await page.keyboard.press('KeyT');
    await page.waitForSelector('[data-hotkey="loop2:talk"]:text-is("T")', { timeout: 5_000 });
    await page.keyboard.press('Escape'); // closes the drawer
    await page.locator('.drawer').waitFor({ state: 'detached', timeout: 5_000 });
    expect(await tile(page, 'loop1').locator('.key-listen kbd').textContent()).toBe('L');

    // The listen key toggles loop1.
    const before = await tileAttr(page, 'loop1', 'data-state');
    const toggled = before === 'none' ? 'recv' : 'none';
    await page.keyboard.press('KeyL');
    expect(await poll(() => tileAttr(page, 'loop1', 'data-state'), (s) => s === toggled, 5_000)).toBe(toggled);
    await page.keyboard.press('KeyL');
    expect(await poll(() => tileAttr(page, 'loop1', 'data-state'), (s) => s === before, 5_000)).toBe(before);

    // Typing into a field: L is text, not a hotkey. Then L outside it: exactly one switch is sent.
    await page.evaluate(() => {
      const d = (globalThis as unknown as { document: { createElement(t: string): { id: string; focus(): void }; body: { append(e: unknown): void } } }).document;
      const input = d.createElement('input');
      input.id = 'typing';
      d.body.append(input);
      input.focus();
    });
    const sentBefore = switches.length;
    await page.keyboard.type('lll');
    expect(await page.locator('#typing').inputValue()).toBe('lll');
    await page.locator('#typing').evaluate((el: { remove(): void }) => el.remove());
    await page.keyboard.press('KeyL');
    expect(await poll(() => tileAttr(page, 'loop1', 'data-state'), (s) => s === toggled, 5_000)).toBe(toggled);
    expect(switches.slice(sentBefore)).toEqual([`loop1:${toggled}`]);

    // Holding T talks on loop2 alone (ON AIR); releasing restores loop2's state.
    const loop2Before = await tileAttr(page, 'loop2', 'data-state');
    await page.keyboard.down('KeyT');
    await page.waitForSelector('.tile[data-loop="loop2"][data-state="send"]', { timeout: 5_000 });
    await page.waitForSelector('[data-transmitting="true"]', { timeout: 5_000 });
    await page.keyboard.up('KeyT');
    await page.waitForSelector('[data-transmitting="false"]', { timeout: 5_000 });
    expect(await poll(() => tileAttr(page, 'loop2', 'data-state'), (s) => s === loop2Before, 5_000)).toBe(loop2Before);
  }, 90_000);

  it('the bindings survive a reload', async () => {
    await page.reload();
    await waitReady(page);
    expect(await tile(page, 'loop1').locator('.key-listen kbd').textContent({ timeout: 5_000 })).toBe('L');
    expect(await tile(page, 'loop2').locator('.key-talk').getAttribute('aria-keyshortcuts')).toBe('T');
    const before = await tileAttr(page, 'loop1', 'data-state');
    await page.keyboard.press('KeyL');
    expect(await poll(() => tileAttr(page, 'loop1', 'data-state'), (s) => s !== before, 5_000)).not.toBe(before);
  }, 60_000);

  it('axe-core: keys showing hotkeys and the open hotkey settings have no serious or critical violation', async () => {
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.locator('[data-hotkey="loop1:listen"]').waitFor({ timeout: 5_000 });
    await page.evaluate(await readFile(AXE, 'utf8')); // by the devtools protocol: the page's CSP blocks script tags
    const violations = await page.evaluate(async () => {
      const { axe } = globalThis as unknown as AxeWindow;
      const result = await axe.run((globalThis as unknown as { document: unknown }).document, { runOnly: ['wcag2a', 'wcag2aa', 'best-practice'] });
      return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.nodes.length})`);
    });
    expect(violations).toEqual([]);
  }, 30_000);
});
