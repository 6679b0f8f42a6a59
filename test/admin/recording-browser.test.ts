// The console's recording screens in Chromium, as alice (admin of project mcc@127.0.0.1): the loop editor's
// "Recorded" box, retention, a legal hold placed and released, a person's export and erasure — each checked
// on the server and in the audit log; a domain admin picking a project's retention; a role's playback box.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { ProtocolClient } from '../support/protocol-client.js';
import { copyFixture, startTestServer, type TestServer } from '../support/server.js';
import { openConsole, openTab, selectScope, waitLoggedIn } from './console-driver.js';

const PROJECT = 'mcc@127.0.0.1';
const STEP_MS = 10_000;

describe('admin console recording screens', () => {
  let server: TestServer;
  let browser: Browser;
  let alice: ProtocolClient;

  beforeAll(async () => {
    const db = await copyFixture();
    [server, browser] = await Promise.all([startTestServer({ db, config: { recorder: { dir: join(db, 'recordings') } } }), launchChromium()]);
    alice = await ProtocolClient.connect(server.apiUrl);
    await alice.loginAs('alice', 'alice');
  }, 60_000);

  afterAll(async () => {
    alice?.close();
    await browser?.close();
    await server?.stop();
    await rm(server.db, { recursive: true, force: true });
  });

  it('records a loop, sets retention, places and releases a hold, exports and erases a person', async () => {
    const page = await openConsole(browser, `https://127.0.0.1:${server.port}`, 'alice', 'alice');
    await waitLoggedIn(page);
    await selectScope(page, 'project', PROJECT);
    await openTab(page, 'loops');
    await page.getByTestId('edit-loop-loop2').click();
    await page.getByTestId('loop-recorded').check();
    await page.getByTestId('save-loop').click();
    await page.getByTestId('loop-rec-loop2').waitFor({ timeout: STEP_MS });
    const loops = ((await alice.ok('get', { type: 'project', id: PROJECT })).result as { loops: Record<string, { recorded?: boolean }> }).loops;
    expect(loops.loop2?.recorded).toBe(true);
    // Unchecking removes the flag (absent = not recorded, as openvocs).
    await page.getByTestId('edit-loop-loop2').click();
    await page.getByTestId('loop-recorded').uncheck();
    await page.getByTestId('save-loop').click();
    await page.getByTestId('loop-rec-loop2').waitFor({ state: 'detached', timeout: STEP_MS });
    const after = ((await alice.ok('get', { type: 'project', id: PROJECT })).result as { loops: Record<string, object> }).loops;
    expect(Object.hasOwn(after.loop2!, 'recorded')).toBe(false);
    await page.getByTestId('edit-loop-loop1').click();
    await page.getByTestId('loop-recorded').check();
    await page.getByTestId('save-loop').click();
    await page.getByTestId('loop-rec-loop1').waitFor({ timeout: STEP_MS });

    await page.getByTestId('nav-recording').click();
    await page.getByTestId('recording-retention').waitFor({ timeout: STEP_MS });
    await page.getByTestId('retention-days').fill('7');
    await page.getByTestId('retention-save').click();
    await page.locator('[data-testid="notice"]', { hasText: 'kept 7 days' }).waitFor({ timeout: STEP_MS });
    expect((await alice.ok('recording_settings')).retention_days).toBe(7);

    await page.getByTestId('hold-loop').selectOption('loop1');
    await page.getByTestId('hold-reason').fill('incident 2026-114');
    await page.getByTestId('hold-add').click();
    await page.getByTestId('hold-row').waitFor({ timeout: STEP_MS });
    const holds = (await alice.ok('recording_settings')).holds as Array<{ id: number; loop: string; reason: string; by: string }>;
    expect(holds.map((h) => [h.loop, h.reason, h.by])).toEqual([['loop1', 'incident 2026-114', 'alice']]);
    // Release asks twice.
    await page.getByTestId(`hold-release-${holds[0]!.id}`).click();
    await page.getByTestId(`hold-release-${holds[0]!.id}`).click();
    await page.getByTestId('hold-row').waitFor({ state: 'detached', timeout: STEP_MS });
    expect((await alice.ok('recording_settings')).holds).toEqual([]);

    await page.getByTestId('person-user').fill('bob');
    const download = page.waitForEvent('download', { timeout: STEP_MS });
    await page.getByTestId('person-export').click();
    const exported = JSON.parse(await readFile(await (await download).path(), 'utf8')) as { user: string; records: unknown[] };
    expect(exported.user).toBe('bob');
    expect(exported.records).toEqual([]);
    await page.getByTestId('person-erase').click();
    await page.getByTestId('person-erase').click();
    await page.locator('[data-testid="person-result"]', { hasText: 'Erased 0 talks of bob' }).waitFor({ timeout: STEP_MS });

    const trail = server.services.audit.query(() => true, 50).map((e) => e.event);
    for (const event of ['recording_retention', 'recording_hold', 'recording_hold_release', 'recording_export', 'recording_erase']) expect(trail, event).toContain(event);
  }, 60_000);
  it("lets a domain admin pick a project and set its retention, never in a form showing another scope's values", async () => {
    await alice.ok('recording_settings', { scope: { type: 'project', id: PROJECT }, retention_days: 12 });
    const page = await openConsole(browser, `https://127.0.0.1:${server.port}`, 'admin', 'admin');
    // Answers to recording_settings reach the page late once `slow` is set: the project's settings are
    // still on their way while the operator looks at (and could type into) the Retention form.
    let slow = false;
    await page.routeWebSocket(/\/api$/, (ws) => {
      const upstream = ws.connectToServer();
      upstream.onMessage((message) => {
        if (slow && typeof message === 'string' && message.includes('"recording_settings"')) setTimeout(() => ws.send(message), 800);
        else ws.send(message);
      });
    });
    await page.reload();
    await page.getByTestId('login-user').fill('admin');
    await page.getByTestId('login-password').fill('admin');
    await page.getByTestId('login-submit').click();
    await waitLoggedIn(page);
    await selectScope(page, 'domain', '127.0.0.1');
    await page.getByTestId('nav-recording').click();
    await page.getByTestId('recording-retention').waitFor({ timeout: STEP_MS });
    const domainDays = await page.getByTestId('retention-days').inputValue();
    expect(domainDays).not.toBe('12');
    slow = true;
    await page.getByTestId('recording-scope').selectOption(`project:${PROJECT}`);
    // While the project's settings load, no Retention form shows the domain's value under the project.
    expect(await page.getByTestId('retention-days').count()).toBe(0);
    await page.getByTestId('retention-days').waitFor({ timeout: STEP_MS });
    expect(await page.getByTestId('retention-days').inputValue()).toBe('12');
    slow = false;
    await page.getByTestId('retention-days').fill('5');
    await page.getByTestId('retention-save').click();
    await page.locator('[data-testid="notice"]', { hasText: 'kept 5 days' }).waitFor({ timeout: STEP_MS });
    expect((await alice.ok('recording_settings')).retention_days).toBe(5);
  }, 60_000);
  it("gives a role the playback right with the role editor's box, and takes it away", async () => {
    const page = await openConsole(browser, `https://127.0.0.1:${server.port}`, 'alice', 'alice');
    await waitLoggedIn(page);
    await selectScope(page, 'project', PROJECT);
    await openTab(page, 'roles');
    const role = async () => ((await alice.ok('get', { type: 'project', id: PROJECT })).result as { roles: Record<string, { playback?: boolean }> }).roles.ground!;
    expect(await role()).not.toHaveProperty('playback');
    await page.getByTestId('edit-role-ground').click();
    await page.getByTestId('role-playback').check();
    await page.getByTestId('save-role').click();
    await page.getByTestId('role-playback-ground').waitFor({ timeout: STEP_MS });
    expect((await role()).playback).toBe(true);
    // Unchecking removes the key (absent = no playback right).
    await page.getByTestId('edit-role-ground').click();
    await page.getByTestId('role-playback').uncheck();
    await page.getByTestId('save-role').click();
    await page.getByTestId('role-playback-ground').waitFor({ state: 'detached', timeout: STEP_MS });
    expect(await role()).not.toHaveProperty('playback');
  }, 60_000);
});
