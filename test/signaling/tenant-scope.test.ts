// Issue 9, class 6 (tenant scope everywhere). Generated from the server's handler table: every event
// of the protocol is sent, aimed at the victim tenant (project mcc@127.0.0.1 of domain 127.0.0.1), by
// four callers — anonymous, an operator of the victim project (bob), the admin of another project of
// the same domain (dave) and the admin of another domain (erin) — and each reply is compared with the
// table of what that caller may do. Replies to dave and erin must not mention anything of the victim,
// no victim file is written, and afterwards the victim's directory is exactly as before.
import { readFile, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/directory/passwords.js';
import { handlers } from '../../src/signaling/dispatcher.js';
import { RawSocket, type ReplyFrame } from '../support/fuzz-tools.js';
import { copyFixture, startTestServer, type TestServer } from '../support/server.js';

const DOMAIN = '127.0.0.1';
const PROJECT = 'mcc@127.0.0.1';
const VICTIM_FILES = [join('auth', DOMAIN, 'config.json'), join('auth', DOMAIN, PROJECT, 'config.json')];
/** Strings only the victim tenant knows; none may reach dave or erin. */
const VICTIM_SECRETS = ['Mission Control', 'LOOP1', 'alice', 'carol', 'mcc@', '20004', 'local test domain'];

type Actor = 'anonymous' | 'operator' | 'otherProjectAdmin' | 'otherDomainAdmin';
const ACTORS: Actor[] = ['anonymous', 'operator', 'otherProjectAdmin', 'otherDomainAdmin'];
/**
 * 'ok', an exact error code, 'refused' (any error), or 'own': the event acts on the caller's own scope
 * whatever it names (recorder events pass the caller's admin scopes down), so any answer is right as
 * long as nothing of the victim leaks or changes.
 */
type Outcome = 'ok' | 'refused' | 'own' | number;
type Row = { parameter: Record<string, unknown>; expect: Partial<Record<Exclude<Actor, 'anonymous'>, Outcome>> & { all?: Outcome } };

const ADMIN_ONLY: Row['expect'] = { all: 5000 };
const candidate = { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 };

/** What each caller may do with the victim's entities. Anonymous callers: see `anonymousOutcome`. */
const TABLE: Record<string, Row[]> = {
  register: [{ parameter: {}, expect: { all: 'ok' } }],
  ping: [{ parameter: {}, expect: { all: 'ok' } }],
  login: [{ parameter: { user: 'alice', password: 'wrong-password' }, expect: { all: 5002 } }],
  authenticate: [{ parameter: { user: 'alice', password: 'wrong-password' }, expect: { all: 5002 } }],
  update_login: [{ parameter: { user: 'alice', session: 'a1b2c3d4-0000-0000-0000-000000000000' }, expect: { all: 5000 } }],
  logout: [{ parameter: {}, expect: { all: 'ok' } }],
  user_roles: [{ parameter: {}, expect: { all: 'ok' } }],
  authorize: [{ parameter: { role: 'flight' }, expect: { all: 9999 } }],
  authorise: [{ parameter: { role: 'flight' }, expect: { all: 9999 } }],
  role_loops: [{ parameter: {}, expect: { all: 'ok' } }],
  switch_loop_state: [{ parameter: { loop: 'loop1', state: 'recv' }, expect: { operator: 'ok', all: 5004 } }],
  switch_loop_volume: [{ parameter: { loop: 'loop1', volume: 10 }, expect: { operator: 'ok', all: 5004 } }],
  talking: [{ parameter: { loop: 'loop1', state: false }, expect: { operator: 'ok', all: 5004 } }],
  media: [{ parameter: { type: 'request' }, expect: { all: 10010 } }],
  candidate: [{ parameter: candidate, expect: { all: 2002 } }],
  end_of_candidates: [{ parameter: {}, expect: { all: 2002 } }],
  get_user_data: [{ parameter: {}, expect: { all: 'ok' } }],
  set_user_data: [{ parameter: { note: 'mine' }, expect: { all: 'ok' } }],
  get_keyset_layout: [{ parameter: { domain: DOMAIN, layout: 'default' }, expect: { operator: 'ok', otherProjectAdmin: 'ok', otherDomainAdmin: 5000 } }],
  set_keyset_layout: [{ parameter: { domain: DOMAIN, name: 'default', layout: { grid_columns: 2 } }, expect: ADMIN_ONLY }],
  broadcast: [{ parameter: { type: 'page_update', from: 'attacker' }, expect: { operator: 5000, all: 'ok' } }],
  admin_domains: [{ parameter: {}, expect: { all: 'ok' } }],
  admin_projects: [{ parameter: {}, expect: { all: 'ok' } }],
  check_id_exists: [
    { parameter: { id: 'loop1' }, expect: { operator: 5000, all: 'ok' } },
    { parameter: { id: PROJECT, scope: 'project' }, expect: { operator: 5000, all: 'ok' } },
    { parameter: { id: 'alice', scope: 'user' }, expect: { operator: 5000, all: 'ok' } },
  ],
  get: [
    { parameter: { type: 'loop', id: 'loop1' }, expect: ADMIN_ONLY },
    { parameter: { type: 'user', id: 'alice' }, expect: ADMIN_ONLY },
    { parameter: { type: 'project', id: PROJECT }, expect: ADMIN_ONLY },
    { parameter: { type: 'domain', id: DOMAIN }, expect: ADMIN_ONLY },
  ],
  get_key: [{ parameter: { type: 'loop', id: 'loop1', key: 'multicast' }, expect: ADMIN_ONLY }],
  create: [
    { parameter: { type: 'loop', id: 'evil-loop', scope: { type: 'project', id: PROJECT } }, expect: ADMIN_ONLY },
    { parameter: { type: 'project', id: 'evil-project', scope: { type: 'domain', id: DOMAIN } }, expect: ADMIN_ONLY },
  ],
  update: [{ parameter: { type: 'loop', id: 'loop1', data: { name: 'HIJACKED' } }, expect: ADMIN_ONLY }],
  update_key: [
    { parameter: { type: 'loop', id: 'loop1', key: 'name', data: 'HIJACKED' }, expect: ADMIN_ONLY },
    { parameter: { type: 'project', id: PROJECT, key: 'roles', data: {} }, expect: ADMIN_ONLY },
  ],
  delete_key: [{ parameter: { type: 'loop', id: 'loop1', key: 'name' }, expect: ADMIN_ONLY }],
  delete: [
    { parameter: { type: 'user', id: 'carol' }, expect: ADMIN_ONLY },
    { parameter: { type: 'project', id: PROJECT }, expect: ADMIN_ONLY },
  ],
  update_password: [{ parameter: { user: 'carol', password: 'hijacked-password' }, expect: ADMIN_ONLY }],
  set_layout: [{ parameter: { role: 'flight', layout: {} }, expect: ADMIN_ONLY }],
  get_layout: [{ parameter: { role: 'flight' }, expect: { operator: 'ok', all: 5000 } }],
  add_domain_admin: [{ parameter: { domain: DOMAIN, user: 'bob' }, expect: ADMIN_ONLY }],
  add_project_admin: [
    { parameter: { project: PROJECT, user: 'bob' }, expect: ADMIN_ONLY },
    // Their own project, a victim user: the victim's user names are no oracle either.
    { parameter: { project: 'side@127.0.0.1', user: 'alice' }, expect: { operator: 5000, otherProjectAdmin: 1008, otherDomainAdmin: 5000 } },
  ],
  save: [{ parameter: {}, expect: ADMIN_ONLY }],
  load: [{ parameter: {}, expect: ADMIN_ONLY }],
  get_highest_port: [{ parameter: {}, expect: { operator: 5000, all: 'ok' } }],
  admin_live: [{ parameter: {}, expect: { operator: 5000, all: 'ok' } }],
  admin_audit: [{ parameter: {}, expect: { operator: 5000, all: 'ok' } }],
  // Recorder events act on the caller's own scope; anything they answer is about the caller's scope.
  get_recording: [{ parameter: { loop: 'loop1', from: 0, to: 1 }, expect: { all: 'own' } }],
  record_start: [{ parameter: { loop: 'loop1' }, expect: { all: 'own' } }],
  record_stop: [{ parameter: { loop: 'loop1' }, expect: { all: 'own' } }],
  get_recorded_loops: [{ parameter: {}, expect: { all: 'own' } }],
  replay: [{ parameter: { loop: 'loop1', from: 0 }, expect: { all: 'own' } }],
  replay_stop: [{ parameter: {}, expect: { all: 'own' } }],
  recording_search: [{ parameter: { loops: ['loop1'] }, expect: { all: 'own' } }],
  recording_mix: [{ parameter: { loops: ['loop1'], from: 0, to: 60_000 }, expect: { all: 5004 } }],
  recording_settings: [{ parameter: {}, expect: { all: 'own' } }],
  recording_hold: [{ parameter: { loop: 'loop1' }, expect: { all: 'own' } }],
  recording_hold_release: [{ parameter: { id: 'x' }, expect: { all: 'own' } }],
  recording_erase_user: [{ parameter: { user: 'alice' }, expect: { all: 'own' } }],
  recording_export_user: [{ parameter: { user: 'alice' }, expect: { all: 'own' } }],
  is_ldap_enabled: [{ parameter: {}, expect: { all: 'ok' } }],
  loop_participants: [{ parameter: { loop: 'loop1' }, expect: { operator: 'ok', all: 5004 } }],
  // Telephony: the gateway's state, the calls on the caller's own role loops, hangup only there.
  sip: [{ parameter: {}, expect: { all: 'ok' } }],
  list_calls: [{ parameter: {}, expect: { all: 'ok' } }],
  hangup: [{ parameter: { call: 'call-1', loop: 'loop1' }, expect: { all: 5004 } }],
  call: [{ parameter: { loop: 'loop1', destination: '2001' }, expect: { all: 'refused' } }],
  // Call permissions are admin changes of the loop's scope; lists show the caller's own loops only.
  permit_call: [{ parameter: { caller: '+4930', loop: 'loop1' }, expect: ADMIN_ONLY }],
  revoke_call: [{ parameter: { caller: '+4930', loop: 'loop1' }, expect: ADMIN_ONLY }],
  list_call_permissions: [{ parameter: {}, expect: { all: 'ok' } }],
  list_sip_status: [{ parameter: {}, expect: { operator: 5000, all: 'ok' } }],
  // LDAP page: admins of any scope; the role mapping and test results only name scopes they administer.
  admin_ldap_settings: [{ parameter: {}, expect: { operator: 5000, all: 'ok' } }],
  admin_ldap_test: [{ parameter: { user: 'ada', password: 'ada-pw' }, expect: { operator: 5000, all: 'ok' } }],
};

function anonymousOutcome(event: string): Outcome {
  const def = handlers[event];
  if (def?.auth !== 'none') return 5000;
  return event === 'login' || event === 'authenticate' ? 5000 : 'ok';
}

function expected(row: Row, actor: Actor, event: string): Outcome {
  if (actor === 'anonymous') return anonymousOutcome(event);
  return row.expect[actor] ?? row.expect.all ?? 'ok';
}

// ── a second project in the victim's domain and a second domain, written before the server starts ──

async function writeJson(path: string, value: unknown): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
}

async function addTenants(db: string): Promise<void> {
  const user = async (id: string) => ({ id, password: await hashPassword(id) });
  await writeJson(join(db, 'auth', DOMAIN, 'side@127.0.0.1', 'config.json'), {
    id: 'side@127.0.0.1',
    domain: DOMAIN,
    users: { dave: await user('dave') },
    roles: { admin: { id: 'admin', users: { dave: null } }, 'side-ops': { id: 'side-ops', users: { dave: null } } },
    loops: { 'side-loop': { id: 'side-loop', multicast: { host: '224.0.0.1', port: 21001 }, roles: { 'side-ops': true } } },
  });
  await writeJson(join(db, 'auth', 'other.example', 'config.json'), {
    id: 'other.example',
    users: { erin: await user('erin') },
    roles: { admin: { id: 'admin', users: { erin: null } }, 'far-ops': { id: 'far-ops', users: { erin: null } } },
    loops: { 'far-loop': { id: 'far-loop', multicast: { host: '224.0.0.1', port: 22001 }, roles: { 'far-ops': true } } },
  });
}

const LOGIN: Record<Exclude<Actor, 'anonymous'>, { user: string; role: string }> = {
  operator: { user: 'bob', role: 'ground' },
  otherProjectAdmin: { user: 'dave', role: 'side-ops' },
  otherDomainAdmin: { user: 'erin', role: 'far-ops' },
};

let server: TestServer;
let witness: RawSocket;
let counter = 0;
const uuid = (): string => `ts-${++counter}`;

async function actorSocket(actor: Actor): Promise<RawSocket> {
  const socket = await RawSocket.connect(server.apiUrl);
  if (actor === 'anonymous') return socket;
  const { user, role } = LOGIN[actor];
  expect((await socket.request('login', { user, password: user }, uuid())).error).toBeUndefined();
  expect((await socket.request('authorize', { role }, uuid())).error).toBeUndefined();
  return socket;
}

async function victimSnapshot(): Promise<{ files: string[]; mtimes: number[] }> {
  return {
    files: await Promise.all(VICTIM_FILES.map((f) => readFile(join(server.db, f), 'utf8'))),
    mtimes: await Promise.all(VICTIM_FILES.map(async (f) => (await stat(join(server.db, f))).mtimeMs)),
  };
}

beforeAll(async () => {
  const db = await copyFixture();
  await addTenants(db);
  server = await startTestServer({ db });
  // A victim operator online: admin_live must not show her to other tenants, broadcasts must not reach her.
  witness = await RawSocket.connect(server.apiUrl, { clientId: 'victim-witness' });
  expect((await witness.request('login', { user: 'alice', password: 'alice' }, uuid())).error).toBeUndefined();
  expect((await witness.request('authorize', { role: 'flight' }, uuid())).error).toBeUndefined();
});

afterAll(async () => {
  witness?.close();
  await server?.stop();
});

describe('tenant scope of every event', () => {
  it('has a table row for every event the server handles', () => {
    expect(Object.keys(handlers).filter((event) => !(event in TABLE))).toEqual([]);
  });

  it('answers every event of every caller as the table says, leaks nothing and changes nothing of the victim', async () => {
    const before = await victimSnapshot();
    const mismatches: string[] = [];
    for (const event of Object.keys(handlers)) {
      for (const row of TABLE[event] ?? []) {
        for (const actor of ACTORS) {
          const socket = await actorSocket(actor);
          const reply: ReplyFrame = await socket.request(event, row.parameter, uuid());
          socket.close();
          const want = expected(row, actor, event);
          const got = reply.error?.code ?? 'ok';
          const matches = want === 'own' || (want === 'refused' ? got !== 'ok' : got === want);
          const what = `${actor} ${event} ${JSON.stringify(row.parameter)}`;
          if (!matches) mismatches.push(`${what}: expected ${want}, got ${got} ${reply.error?.description ?? ''}`);
          if (actor === 'otherProjectAdmin' || actor === 'otherDomainAdmin') {
            // What the caller sent may come back (an echoed user name is no leak); nothing else of the victim may.
            let text = JSON.stringify(reply.response);
            for (const value of Object.values(row.parameter)) if (typeof value === 'string') text = text.split(value).join('');
            for (const secret of VICTIM_SECRETS) if (text.includes(secret)) mismatches.push(`${what}: reply mentions "${secret}": ${text.slice(0, 200)}`);
          }
          if (event === 'check_id_exists' && actor !== 'operator' && actor !== 'anonymous' && reply.response.result !== false) {
            mismatches.push(`${what}: sees the victim's id (result ${String(reply.response.result)})`);
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
    // Nothing of the victim was written, and nothing reached the victim's operator.
    expect(await victimSnapshot()).toEqual(before);
    expect(witness.pushes.filter((p) => p.event === 'broadcast')).toEqual([]);
    expect(witness.closeCode).toBeUndefined();
  }, 120_000);

  it('still answers scoped queries correctly for the tenants themselves', async () => {
    const dave = await actorSocket('otherProjectAdmin');
    expect((await dave.request('get_highest_port', {}, uuid())).response).toEqual({ port: 21001 });
    expect((await dave.request('check_id_exists', { id: 'side-loop' }, uuid())).response).toEqual({ result: true });
    dave.close();
    const erin = await actorSocket('otherDomainAdmin');
    expect((await erin.request('get_highest_port', {}, uuid())).response).toEqual({ port: 22001 });
    expect((await erin.request('check_id_exists', { id: 'erin', scope: 'user' }, uuid())).response).toEqual({ result: true });
    erin.close();
    const admin = await RawSocket.connect(server.apiUrl);
    expect((await admin.request('login', { user: 'admin', password: 'admin' }, uuid())).error).toBeUndefined();
    // The victim domain's admin sees its own domain and projects (20004 is loop4 of mcc).
    expect((await admin.request('get_highest_port', {}, uuid())).response).toEqual({ port: 21001 });
    expect((await admin.request('check_id_exists', { id: 'loop1' }, uuid())).response).toEqual({ result: true });
    // load/save re-read and rewrite every tenant: not for an admin of one domain.
    expect((await admin.request('load', {}, uuid())).error?.code).toBe(5000);
    admin.close();
  });
});
