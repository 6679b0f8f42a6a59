// Console state as signals: the connection, what the admin administers, the selected scope and its
// record. Views read these and call the actions; every change re-reads the scope from the server, so
// what is shown is always what the server stored (and other admins' changes appear on the next one).
import { computed, signal } from '@preact/signals';
import { AdminApi, type AdminProject } from '../api/admin-api.js';
import { openConnection } from '../api/connection.js';
import { describeError, RequestError } from '../logic/errors.js';
import { scopeKey, type ScopeRecord, type ScopeRef } from '../logic/model.js';

export type Tab = 'projects' | 'users' | 'roles' | 'loops' | 'matrix' | 'layout' | 'transfer' | GlobalTab;
/** Pages about the whole server rather than the selected scope. */
export type GlobalTab = 'live' | 'audit' | 'calls' | 'ldap' | 'recording';
export const isGlobalTab = (t: Tab): t is GlobalTab => t === 'live' || t === 'audit' || t === 'calls' || t === 'ldap' || t === 'recording';

export interface Notice {
  kind: 'ok' | 'error';
  text: string;
}

export const api = signal<AdminApi | null>(null);
export const me = signal('');
export const domains = signal<string[]>([]);
export const projects = signal<AdminProject[]>([]);
export const current = signal<ScopeRef | null>(null);
export const records = signal<ReadonlyMap<string, ScopeRecord>>(new Map());
export const tab = signal<Tab>('users');
export const notice = signal<Notice | null>(null);
export const loginError = signal('');

export const record = computed(() => (current.value ? records.value.get(scopeKey(current.value)) : undefined));

export function requireApi(): AdminApi {
  if (!api.value) throw new Error('not logged in');
  return api.value;
}

let noticeTimer: ReturnType<typeof setTimeout> | undefined;
export function notify(kind: Notice['kind'], text: string): void {
  notice.value = { kind, text };
  clearTimeout(noticeTimer);
  // Errors stay until the next action: an operator-facing change that failed must not go unnoticed.
  if (kind === 'ok') noticeTimer = setTimeout(() => (notice.value = null), 4000);
}

export async function loadScope(scope: ScopeRef): Promise<ScopeRecord> {
  const data = await requireApi().getScope(scope);
  const next = new Map(records.value);
  next.set(scopeKey(scope), data);
  records.value = next;
  return data;
}

export async function refreshScopes(): Promise<void> {
  const client = requireApi();
  const [d, p] = await Promise.all([client.domains(), client.projects()]);
  domains.value = d;
  projects.value = p.sort((a, b) => a.id.localeCompare(b.id));
  const still = current.value && (current.value.type === 'domain' ? d.includes(current.value.id) : p.some((x) => x.id === current.value?.id));
  if (!still) {
    const first: ScopeRef | null = d[0] ? { type: 'domain', id: d[0] } : p[0] ? { type: 'project', id: p[0].id } : null;
    await selectScope(first);
  }
}

export async function selectScope(scope: ScopeRef | null): Promise<void> {
  current.value = scope;
  if (!scope) return;
  if (tab.value === 'projects' && scope.type !== 'domain') tab.value = 'users';
  await loadScope(scope);
}

/** Every scope the admin can read (for conflict checks across loops and for domain exports). */
export async function loadAllScopes(): Promise<ScopeRecord[]> {
  const refs: ScopeRef[] = [...domains.value.map((id) => ({ type: 'domain' as const, id })), ...projects.value.map((p) => ({ type: 'project' as const, id: p.id }))];
  return Promise.all(refs.map((r) => loadScope(r)));
}

export async function login(user: string, password: string): Promise<void> {
  loginError.value = '';
  let connection: Awaited<ReturnType<typeof openConnection>> | undefined;
  try {
    connection = await openConnection();
    const client = new AdminApi(connection);
    await client.login(user, password);
    const [d, p] = await Promise.all([client.domains(), client.projects()]);
    if (d.length === 0 && p.length === 0) {
      // Logged in, but no scope to administer: say so plainly and do not keep the session open.
      await client.logout().catch(() => undefined);
      connection.close();
      loginError.value = `${user} is not an administrator of any domain or project. Ask a domain administrator for admin rights.`;
      return;
    }
    connection.onClose(() => {
      if (api.value === client) {
        api.value = null;
        loginError.value = 'The connection to the server was closed. Please log in again.';
      }
    });
    api.value = client;
    me.value = user;
    await refreshScopes();
  } catch (err) {
    connection?.close();
    loginError.value = loginErrorText(err);
  }
}

function loginErrorText(err: unknown): string {
  if (err instanceof RequestError && err.is('auth')) return 'Wrong user name or password.';
  const wait = err instanceof RequestError && err.is('loginThrottled') ? err.details?.retryAfterSeconds : undefined;
  if (typeof wait === 'number') return `Too many failed attempts. Try again in ${wait} s.`;
  return describeError(err);
}

export async function logout(): Promise<void> {
  const client = api.value;
  api.value = null;
  records.value = new Map();
  current.value = null;
  await client?.logout().catch(() => undefined);
  client?.client.close();
}

/** Run a change, re-read the current scope, and report; rethrows so forms can show field errors. */
export async function change(description: string, run: (client: AdminApi) => Promise<void>): Promise<void> {
  const client = requireApi();
  try {
    await run(client);
    notify('ok', description);
  } catch (err) {
    notify('error', `${description} failed: ${describeError(err)}`);
    throw err;
  } finally {
    if (current.value) await loadScope(current.value).catch(() => undefined);
  }
}
