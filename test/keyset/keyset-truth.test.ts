// A keyset that never lies, in Chromium against a real server (issue 11): talk revoked while talking (key to
// monitor, ON AIR gone, cue, the listener's analyser goes quiet), re-granted; a loop an admin adds appears;
// 48 keys fit 1920×1080; two tabs of one user are two clients that mirror each other; no microphone refuses
// PTT without `talking`; axe-core finds no serious violation; an outage greys the grid and clears talkers,
// and after the restart no `switch_loop_state` leaves before `media_ready`.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tone } from '../../testkit/signal/index.js';
import { launchChromium } from '../support/chromium.js';
import { freePort } from '../support/ports.js';
import { ProtocolClient } from '../support/protocol-client.js';
import { copyFixture, startTestServer, type TestServer } from '../support/server.js';
import { wavFile } from '../support/wav.js';
import { hearsTone, KEYSET_DIST, keysetBuilt, loginThroughUi, peak, poll, switchTile, tile, tileAttr, waitReady } from './harness.js';

const TONE_HZ = 440;
const PROJECT = 'mcc@127.0.0.1';
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

type Probe = { __keyset: { transmitting(): boolean; cues(): string[]; notice(): string; stale(): boolean } };

/** What one page's sockets sent and received, in order: [socket index, 'out' | 'in', event]. */
type WireLog = Array<[number, 'out' | 'in', string]>;

describe.skipIf(!keysetBuilt())('a keyset that never lies', () => {
  let db: string;
  let port: number;
  let server: TestServer | undefined;
  let browser: Browser;
  let wavDir: string;
  let admin: ProtocolClient;
  let origin: string;
  let alice: Page;
  let bob: Page;
  const bobWire: WireLog = [];

  const start = async () => {
    server = await startTestServer({ db, config: { port, webRoot: KEYSET_DIST, media: { enabled: true, bindAddress: '127.0.0.1' } } });
  };
  const connectAdmin = async () => {
    admin = await ProtocolClient.connect(`wss://127.0.0.1:${port}/api`);
    await admin.loginAs('alice', 'alice');
  };

  async function openPage(options: { viewport?: { width: number; height: number }; wire?: WireLog; noMic?: boolean } = {}): Promise<Page> {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: options.viewport ?? { width: 1280, height: 800 }, serviceWorkers: 'block' });
    // A machine without a microphone: getUserMedia fails as Chromium does when no device exists.
    if (options.noMic) await context.addInitScript('navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException("Requested device not found", "NotFoundError"));');
    const page = await context.newPage();
    const wire = options.wire;
    if (wire) {
      let sockets = 0;
      page.on('websocket', (ws) => {
        const n = sockets++;
        const event = (payload: string | Buffer) => String((JSON.parse(String(payload)) as { event?: unknown }).event);
        ws.on('framesent', (f) => wire.push([n, 'out', event(f.payload)]));
        ws.on('framereceived', (f) => wire.push([n, 'in', event(f.payload)]));
      });
    }
    await page.goto(origin);
    return page;
  }

  beforeAll(async () => {
    wavDir = await mkdtemp(join(tmpdir(), 'keyset-truth-'));
    const wav = join(wavDir, 'tone.wav');
    await writeFile(wav, wavFile(tone({ frequency: TONE_HZ, dbfs: -6, samples: 48_000 * 4 }), 48_000));
    browser = await launchChromium({ fakeAudio: wav }); // before the server: see keyset-browser.test.ts
    db = await copyFixture();
    port = await freePort();
    await start();
    origin = `https://127.0.0.1:${port}/`;
    await connectAdmin();
  }, 60_000);

  afterAll(async () => {
    admin?.close();
    await browser?.close();
    await server?.stop();
    await rm(db, { recursive: true, force: true });
    await rm(wavDir, { recursive: true, force: true });
  });

  it('talk revoked while talking: within 1 s monitor, no ON AIR, a cue, the listener hears nothing; re-granted: talk offered again', async () => {
    alice = await openPage();
    bob = await openPage({ wire: bobWire });
    await Promise.all([loginThroughUi(alice, 'alice', 'flight'), loginThroughUi(bob, 'bob', 'ground')]);
    await switchTile(bob, 'loop1', 'recv');
    await switchTile(alice, 'loop1', 'send');
    await alice.locator('body').click({ position: { x: 5, y: 5 } });
    await alice.keyboard.down('Space');
    await alice.waitForSelector('[data-transmitting="true"]', { timeout: 5_000 });
    expect(hearsTone(await poll(() => peak(bob), (p) => hearsTone(p, TONE_HZ), 15_000), TONE_HZ)).toBe(true);

    const t0 = Date.now();
    await admin.ok('update_key', { type: 'loop', id: 'loop1', key: 'roles', data: { flight: false, ground: true } });
    await alice.waitForSelector('.tile[data-loop="loop1"][data-state="recv"]', { timeout: 1_000 });
    await alice.waitForSelector('[data-transmitting="false"]', { timeout: 1_000 });
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(await alice.locator('.tile[data-loop="loop1"] .key-talk').isDisabled()).toBe(true);
    expect(await alice.evaluate(() => (globalThis as unknown as Probe).__keyset.cues())).toContain('forced');
    expect(await alice.evaluate(() => (globalThis as unknown as Probe).__keyset.notice())).toMatch(/LOOP1: talk revoked/);
    const quiet = await poll(() => peak(bob), (p) => !hearsTone(p, TONE_HZ), 3_000);
    expect(hearsTone(quiet, TONE_HZ)).toBe(false);
    // Space is still held: no ON AIR comes back.
    expect(await alice.evaluate(() => (globalThis as unknown as Probe).__keyset.transmitting())).toBe(false);

    await admin.ok('update_key', { type: 'loop', id: 'loop1', key: 'roles', data: { flight: true, ground: true } });
    await alice.waitForSelector('.tile[data-loop="loop1"] .key-talk:not([disabled])', { timeout: 1_000 });
    await alice.keyboard.up('Space');
    expect(await tileAttr(alice, 'loop1', 'data-state')).toBe('recv');
  }, 60_000);

  it('a loop the admin adds with a layout position appears on the operator’s keyset within 1 s', async () => {
    const t0 = Date.now();
    await admin.ok('create', { type: 'loop', id: 'loop7', scope: { type: 'project', id: PROJECT } });
    await admin.ok('update', { type: 'loop', id: 'loop7', data: { id: 'loop7', name: 'WEATHER', roles: { flight: true } } });
    const layout = (await admin.ok('get_layout', { role: 'flight' })).layout as Record<string, unknown>;
    await admin.ok('set_layout', { role: 'flight', layout: { ...layout, loop7: [{ page: 1, row: 2, column: 3 }] } });
    await alice.waitForSelector('.tile[data-loop="loop7"] .key-name:text("WEATHER")', { timeout: 1_000 });
    expect(Date.now() - t0).toBeLessThan(1_500); // three admin writes and the push
    await admin.ok('delete', { type: 'loop', id: 'loop7' });
    await alice.waitForSelector('.tile[data-loop="loop7"]', { state: 'detached', timeout: 1_000 });
  }, 20_000);

  it('48 loops on one page at 1920×1080: every key fully inside the viewport', async () => {
    const project = (await admin.ok('get', { type: 'project', id: PROJECT })).result as { loops: Record<string, unknown> };
    const loops: Record<string, unknown> = { ...project.loops };
    const layout = (await admin.ok('get_layout', { role: 'flight' })).layout as Record<string, unknown>;
    for (let i = 0; i < 48; i++) {
      const id = `ops${i + 1}`;
      loops[id] = { id, name: `OPS ${i + 1}`, multicast: { host: '224.0.0.1', port: 21_000 + i }, roles: { flight: i % 2 === 0 } };
      layout[id] = [{ page: 2, row: Math.floor(i / 8) + 1, column: (i % 8) + 1 }];
    }
    await admin.ok('update_key', { type: 'project', id: PROJECT, key: 'loops', data: loops });
    await admin.ok('set_layout', { role: 'flight', layout });
    await alice.setViewportSize({ width: 1920, height: 1080 });
    await alice.getByRole('button', { name: /^Page 2/ }).click();
    await alice.waitForSelector('.tile[data-loop="ops48"]', { timeout: 2_000 });
    const boxes = await Promise.all((await alice.locator('.keys .tile').all()).map(async (key) => {
      const b = (await key.boundingBox())!;
      return { left: b.x, top: b.y, right: b.x + b.width, bottom: b.y + b.height, width: b.width, height: b.height };
    }));
    expect(boxes).toHaveLength(48);
    for (const b of boxes) {
      expect(b.left).toBeGreaterThanOrEqual(0);
      expect(b.top).toBeGreaterThanOrEqual(0);
      expect(b.right).toBeLessThanOrEqual(1920);
      expect(b.bottom).toBeLessThanOrEqual(1080);
      expect(b.width).toBeGreaterThan(150); // readable, not squeezed
      expect(b.height).toBeGreaterThan(90);
    }
    await alice.screenshot({ path: join(wavDir, 'dense.png') });
    await alice.getByRole('button', { name: /^Page 1/ }).click();
  }, 20_000);

  it('two tabs of one user are two clients: a switch and a volume in one show in the other within 1 s', async () => {
    const tab2 = await bob.context().newPage();
    await tab2.goto(origin);
    await loginThroughUi(tab2, 'bob', 'ground');
    const ids = await Promise.all([bob, tab2].map((p) => p.evaluate<string>("JSON.parse(sessionStorage.getItem('loopcast.keyset.session') ?? '{}').client")));
    expect(ids[0]).not.toBe(ids[1]);
    await tile(bob, 'loop3').locator('.key-listen').click();
    let t0 = Date.now();
    await tab2.waitForSelector('.tile[data-loop="loop3"][data-state="recv"]', { timeout: 1_000 });
    expect(Date.now() - t0).toBeLessThan(1_000);
    await tile(tab2, 'loop3').locator('input[type="range"]').fill('30');
    t0 = Date.now();
    await bob.waitForSelector('.tile[data-loop="loop3"][data-volume="30"]', { timeout: 1_000 });
    expect(Date.now() - t0).toBeLessThan(1_000);
    await tab2.close();
  }, 30_000);

  it('without a microphone PTT is refused with a message and no `talking` reaches the server; a single-role user goes straight to the keys', async () => {
    const wire: WireLog = [];
    const carol = await openPage({ noMic: true, wire });
    await carol.getByLabel('User').fill('carol');
    await carol.getByLabel('Password').fill('carol');
    await carol.getByLabel('Password').press('Enter');
    await waitReady(carol); // no role picker: carol has one role
    await switchTile(carol, 'loop1', 'send');
    await carol.locator('body').click({ position: { x: 5, y: 5 } });
    await carol.keyboard.down('Space');
    await carol.waitForSelector('.notice:text("No microphone")', { timeout: 2_000 });
    await carol.getByTestId('ptt').dispatchEvent('pointerdown', { button: 0, pointerId: 1, pointerType: 'mouse' });
    await new Promise((r) => setTimeout(r, 300)); // a `talking` would be on the wire by now
    await carol.keyboard.up('Space');
    expect(await carol.evaluate(() => (globalThis as unknown as Probe).__keyset.transmitting())).toBe(false);
    expect(await carol.evaluate(() => (globalThis as unknown as Probe).__keyset.cues())).toContain('refused');
    expect(wire.filter(([, dir, event]) => dir === 'out' && event === 'talking')).toEqual([]);
    await carol.context().close();
  }, 30_000);

  it('axe-core: no serious or critical accessibility violation on the keyset', async () => {
    await bob.evaluate(await readFile(AXE, 'utf8')); // evaluated by the devtools protocol: the page's CSP blocks script tags
    const violations = await bob.evaluate(async () => {
      const page = globalThis as unknown as {
        axe: { run(ctx: unknown, opts: object): Promise<{ violations: Array<{ id: string; impact: string; nodes: unknown[] }> }> };
        document: unknown;
      };
      const result = await page.axe.run(page.document, { runOnly: ['wcag2a', 'wcag2aa', 'best-practice'] });
      return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.nodes.length})`);
    });
    expect(violations).toEqual([]);
  }, 20_000);

  it('outage: within 2 s every key is stale and talker names are cleared; after the restart live again, no switch before media_ready', async () => {
    await switchTile(alice, 'loop1', 'send');
    await alice.keyboard.down('Space');
    await bob.waitForSelector('.tile[data-loop="loop1"][data-talkers="alice"]', { timeout: 5_000 });
    admin.close();
    const t0 = Date.now();
    const stopping = server!.stop();
    server = undefined;
    type Doc = { querySelectorAll(s: string): ArrayLike<{ classList: { contains(c: string): boolean }; getAttribute(a: string): string | null }> };
    await bob.waitForFunction(
      () => {
        const keys = Array.from((globalThis as unknown as { document: Doc }).document.querySelectorAll('.keys .tile'));
        return keys.length > 0 && keys.every((k) => k.classList.contains('stale') && k.getAttribute('data-talkers') === '');
      },
      undefined,
      { timeout: 2_000, polling: 50 },
    );
    expect(Date.now() - t0).toBeLessThan(2_000);
    await stopping;
    expect(await bob.locator('.quality').first().textContent()).toBe('—');
    expect(await bob.locator('.outage').textContent()).toMatch(/retry in \d+ s|Connecting/);
    expect(await bob.evaluate(() => (globalThis as unknown as Probe).__keyset.cues())).toContain('outage');
    await alice.keyboard.up('Space');

    const socketsBefore = Math.max(...bobWire.map(([n]) => n));
    await start();
    await waitReady(bob, 40_000);
    await bob.waitForSelector('.keys:not(.stale)', { timeout: 5_000 });
    expect(await tileAttr(bob, 'loop1', 'data-state')).toBe('recv');
    // On each socket opened after the outage: no switch_loop_state before that socket's media_ready.
    const after = [...new Set(bobWire.filter(([n]) => n > socketsBefore).map(([n]) => n))];
    expect(after.length).toBeGreaterThan(0);
    let switches = 0;
    for (const n of after) {
      const log = bobWire.filter(([m]) => m === n);
      const ready = log.findIndex(([, dir, event]) => dir === 'in' && event === 'media_ready');
      const firstSwitch = log.findIndex(([, dir, event]) => dir === 'out' && event === 'switch_loop_state');
      if (firstSwitch >= 0) {
        switches++;
        expect(ready).toBeGreaterThanOrEqual(0);
        expect(firstSwitch).toBeGreaterThan(ready);
      }
    }
    expect(switches).toBeGreaterThan(0); // bob's loop1 was re-applied
  }, 60_000);
});
