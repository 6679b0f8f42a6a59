// Drives the admin console in Chromium the way an administrator would: every step waits for the
// console to show the server's answer (no fixed sleeps), with deadlines.
import type { Browser, Page } from 'playwright-core';

const STEP_MS = 10_000;

export type PermissionChoice = 'none' | 'monitor' | 'talk';

export async function openConsole(browser: Browser, origin: string, user: string, password: string): Promise<Page> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${origin}/admin/`);
  await page.getByTestId('login-user').fill(user);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  return page;
}

/** Wait until the console is past the login form (the scope list shows). */
export async function waitLoggedIn(page: Page): Promise<void> {
  await page.getByTestId('scope-list').waitFor({ timeout: STEP_MS });
}

export async function selectScope(page: Page, type: 'domain' | 'project', id: string): Promise<void> {
  await page.getByTestId(`scope-${type}-${id}`).click();
  await page.locator(`[data-testid="scope-${type}-${id}"][aria-current="page"]`).waitFor({ timeout: STEP_MS });
}

export async function openTab(page: Page, tab: string): Promise<void> {
  await page.getByTestId(`tab-${tab}`).click();
  await page.locator(`[data-testid="tab-${tab}"][aria-selected="true"]`).waitFor({ timeout: STEP_MS });
}

export async function createProject(page: Page, domain: string, id: string, name: string): Promise<void> {
  await selectScope(page, 'domain', domain);
  await openTab(page, 'projects');
  const form = page.getByTestId('project-editor');
  await form.getByTestId('field-id').fill(id);
  await form.getByTestId('field-name').fill(name);
  await form.getByTestId('create-project').click();
  await page.getByTestId(`scope-project-${id}`).waitFor({ timeout: STEP_MS });
}

export async function createUser(page: Page, id: string, name: string, password: string): Promise<void> {
  await openTab(page, 'users');
  await page.getByTestId('new-user').click();
  const form = page.getByTestId('user-editor');
  await form.getByTestId('field-id').fill(id);
  await form.getByTestId('field-name').fill(name);
  await form.getByTestId('field-password').fill(password);
  await form.getByTestId('save-user').click();
  await page.getByTestId(`user-row-${id}`).waitFor({ timeout: STEP_MS });
}

export interface RoleInput {
  id: string;
  name: string;
  abbreviation: string;
  color: string;
  members: string[];
}

export async function createRole(page: Page, role: RoleInput): Promise<void> {
  await openTab(page, 'roles');
  await page.getByTestId('new-role').click();
  const form = page.getByTestId('role-editor');
  await form.getByTestId('field-id').fill(role.id);
  await form.getByTestId('field-name').fill(role.name);
  await form.getByTestId('field-abbreviation').fill(role.abbreviation);
  await form.getByTestId('field-color').fill(role.color);
  for (const member of role.members) await form.getByTestId(`member-${member}`).check();
  await form.getByTestId('save-role').click();
  await page.getByTestId(`role-row-${role.id}`).waitFor({ timeout: STEP_MS });
}

export interface LoopInput {
  id: string;
  name: string;
  abbreviation: string;
  color: string;
  multicast?: string;
}

/** Fill and submit the new-loop form; the caller waits for the outcome (row or field error). */
export async function submitLoop(page: Page, loop: LoopInput): Promise<void> {
  await openTab(page, 'loops');
  if (!(await page.getByTestId('loop-editor').isVisible())) await page.getByTestId('new-loop').click();
  const form = page.getByTestId('loop-editor');
  await form.getByTestId('field-id').fill(loop.id);
  await form.getByTestId('field-name').fill(loop.name);
  await form.getByTestId('field-abbreviation').fill(loop.abbreviation);
  await form.getByTestId('field-color').fill(loop.color);
  await form.getByTestId('field-multicast').fill(loop.multicast ?? '');
  await form.getByTestId('save-loop').click();
}

export async function createLoop(page: Page, loop: LoopInput): Promise<void> {
  await submitLoop(page, loop);
  await page.getByTestId(`loop-row-${loop.id}`).waitFor({ timeout: STEP_MS });
}

const cell = (loop: string, role: string) => `[data-testid="cell-${loop}-${role}"]`;

/** Click one segment of a matrix cell and wait until the server has stored it. */
export async function setPermission(page: Page, loop: string, role: string, permission: PermissionChoice): Promise<void> {
  await page.locator(`${cell(loop, role)} [data-perm="${permission}"]`).click();
  await waitPermission(page, loop, role, permission);
}

export async function waitPermission(page: Page, loop: string, role: string, permission: PermissionChoice): Promise<void> {
  await page.locator(`${cell(loop, role)}[data-value="${permission}"]:not(.saving)`).waitFor({ timeout: STEP_MS });
}

/** Click-to-place: pick the loop in the palette, then click the cell. */
export async function placeKey(page: Page, loop: string, at: { page: number; row: number; column: number }): Promise<void> {
  if ((await page.getByTestId(`page-${at.page}`).count()) === 0) await page.getByTestId('add-page').click();
  await page.getByTestId(`page-${at.page}`).click();
  await page.getByTestId(`palette-${loop}`).click();
  await page.getByTestId(`slot-${at.page}-${at.row}-${at.column}`).locator('button').click();
  await page.locator(`[data-testid="slot-${at.page}-${at.row}-${at.column}"] [data-testid="key-${loop}"]`).waitFor({ timeout: STEP_MS });
}
