// Helpers for keyset browser tests: a Loopcast server serving the built keyset, UI logins, polling.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';

export const KEYSET_DIST = fileURLToPath(new URL('../../web/keyset/dist', import.meta.url));

export function keysetBuilt(): boolean {
  return existsSync(`${KEYSET_DIST}/index.html`);
}

export interface Peak {
  frequency: number;
  db: number;
}

interface LoopSnapshot {
  state: string;
  volume: number;
  participants: unknown[];
  talking: Array<{ user: string }>;
}

interface KeysetHook {
  peak(): Peak;
  phase(): string;
  loops(): Record<string, LoopSnapshot>;
  transmitting(): boolean;
  backends(): Array<{ status: string; media: string }>;
}

type HookWindow = { __keyset?: KeysetHook };

/** Polls `probe` until `ok` holds or the deadline passes; returns the last value either way. */
export async function poll<T>(probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 20_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!ok(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, intervalMs));
    value = await probe();
  }
  return value;
}

/**
 * Service workers are blocked: the keyset's worker keeps an HTTPS connection open, and the server's
 * close() waits for every connection (it calls https.close() without closeAllConnections()).
 */
export async function newKeysetPage(browser: Browser, origin: string, viewport = { width: 1280, height: 800 }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport, serviceWorkers: 'block' });
  const page = await context.newPage();
  await page.goto(origin);
  return { context, page };
}

/** Logs in through the form and picks the role; resolves once the grid shows and media flows. */
export async function loginThroughUi(page: Page, user: string, role: string): Promise<void> {
  await page.getByLabel('User').fill(user);
  await page.getByLabel('Password').fill(user);
  await page.getByLabel('Password').press('Enter');
  await page.locator(`button.role[data-role="${role}"]`).click({ timeout: 20_000 });
  await waitReady(page);
}

/** The keyset is shown and the lead backend's media is flowing. */
export async function waitReady(page: Page, timeoutMs = 25_000): Promise<void> {
  await page.waitForFunction(
    () => {
      const k = (globalThis as unknown as HookWindow).__keyset;
      return k?.phase() === 'keyset' && k.backends().some((b) => b.status === 'ready' && b.media === 'ready');
    },
    undefined,
    { timeout: timeoutMs, polling: 200 },
  );
}

export const tile = (page: Page, loop: string) => page.locator(`.tile[data-loop="${loop}"]`);

export const tileAttr = (page: Page, loop: string, attr: string) => tile(page, loop).getAttribute(attr, { timeout: 5_000 });

export const peak = (page: Page): Promise<Peak> =>
  page.evaluate(() => (globalThis as unknown as HookWindow).__keyset?.peak() ?? { frequency: 0, db: -Infinity });

/** Brings a key to `state` with its listen and talk targets (listen: off ↔ monitor; talk: talk ↔ monitor). */
export async function switchTile(page: Page, loop: string, state: string): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const now = await tileAttr(page, loop, 'data-state');
    if (now === state) return;
    const target = state === 'none' || (state === 'recv' && now === 'none') ? '.key-listen' : '.key-talk';
    await tile(page, loop).locator(target).click();
    await poll(() => tileAttr(page, loop, 'data-state'), (s) => s !== now, 2_000);
  }
  if ((await tileAttr(page, loop, 'data-state')) !== state) throw new Error(`${loop} did not reach ${state}`);
}

export function hearsTone(reading: Peak, frequency: number): boolean {
  return reading.db > -70 && Math.abs(reading.frequency - frequency) < 15;
}
