// Ids are data (docs/operations.md "Ids"): every user-chosen id — user, role, loop, keyset layout name,
// user-data key — may be any name of Object, Object.prototype or Function.prototype and still works,
// persists and round-trips through a restart; `__proto__` is reserved and refused with 1008 everywhere.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RawSocket } from '../support/fuzz-tools.js';
import { cleanupChildren, copyFixtureDb, ensureBuilt, makeTempDir, spawnLoopcast } from '../support/kill-server.js';
import { ProtocolClient } from '../support/protocol-client.js';
import { copyFixture, startTestServer, type TestServer } from '../support/server.js';

const PROJECT = { type: 'project', id: 'mcc@127.0.0.1' };
const DOMAIN = '127.0.0.1';
/** Every name JavaScript objects and functions carry, `__proto__` included. */
const OBJECT_NAMES = [
  ...new Set([...Object.getOwnPropertyNames(Object), ...Object.getOwnPropertyNames(Object.prototype), ...Object.getOwnPropertyNames(Function.prototype)]),
].sort();
const USABLE = OBJECT_NAMES.filter((name) => name !== '__proto__');

/** A request that must succeed; temporary refusals (rate limit) are retried after a short wait. */
async function ok(client: ProtocolClient, event: string, parameter: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  for (let attempt = 0; ; attempt++) {
    const reply = await client.request(event, parameter);
    if (reply.error?.code === 50000 && attempt < 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      continue;
    }
    if (reply.error) throw new Error(`${event} ${JSON.stringify(parameter)} failed: ${reply.error.code} ${reply.error.description}`);
    return reply.response ?? {};
  }
}

async function connect(server: TestServer, user: string, password: string, role?: string): Promise<ProtocolClient> {
  const client = await ProtocolClient.connect(server.apiUrl);
  await ok(client, 'login', { user, password });
  if (role !== undefined) await ok(client, 'authorize', { role });
  return client;
}

function expectPrototypesIntact(): void {
  for (const name of Object.getOwnPropertyNames(Object.prototype)) {
    if (name !== '__proto__') expect(typeof (Object.prototype as Record<string, unknown>)[name], `Object.prototype.${name}`).toBe('function');
  }
  expect(Object.keys({})).toEqual([]);
}

interface Ids {
  user: string;
  role: string;
  loop: string;
  dataKey: string;
  layoutName: string;
}

async function setUp(server: TestServer, ids: Ids): Promise<void> {
  const admin = await connect(server, 'admin', 'admin');
  try {
    await ok(admin, 'create', { type: 'user', id: ids.user, scope: PROJECT });
    await ok(admin, 'update_password', { user: ids.user, password: 'secret-password' });
    await ok(admin, 'create', { type: 'role', id: ids.role, scope: PROJECT });
    await ok(admin, 'update_key', { type: 'role', id: ids.role, key: 'users', data: { [ids.user]: null } });
    await ok(admin, 'create', { type: 'loop', id: ids.loop, scope: PROJECT });
    await ok(admin, 'update_key', { type: 'loop', id: ids.loop, key: 'roles', data: { [ids.role]: true } });
    await ok(admin, 'set_layout', { role: ids.role, layout: { [ids.loop]: [{ page: 2, row: 1, column: 3 }] } });
    await ok(admin, 'set_keyset_layout', { domain: DOMAIN, name: ids.layoutName, layout: { [ids.dataKey]: ids.layoutName } });
  } finally {
    admin.close();
  }
  const operator = await connect(server, ids.user, 'secret-password', ids.role);
  try {
    await ok(operator, 'role_loops');
    await ok(operator, 'switch_loop_state', { loop: ids.loop, state: 'send' });
    await ok(operator, 'switch_loop_volume', { loop: ids.loop, volume: 33 });
    await ok(operator, 'set_user_data', { [ids.dataKey]: ids.dataKey, nested: { [ids.dataKey]: [ids.user] } });
  } finally {
    operator.close();
  }
}

/** Everything set up is there and works (also after a restart). */
async function expectWorking(server: TestServer, ids: Ids): Promise<void> {
  expectPrototypesIntact();
  const operator = await connect(server, ids.user, 'secret-password', ids.role);
  try {
    const { loops } = (await ok(operator, 'role_loops')) as { loops: Record<string, Record<string, unknown>> };
    expect(Object.keys(loops)).toEqual([ids.loop]);
    expect(loops[ids.loop]).toMatchObject({ id: ids.loop, permission: 'send', state: 'send', volume: 33, layout_position: [{ page: 2, row: 1, column: 3 }] });
    expect((await ok(operator, 'get_user_data')).data).toEqual({ [ids.dataKey]: ids.dataKey, nested: { [ids.dataKey]: [ids.user] } });
    expect((await ok(operator, 'get_keyset_layout', { domain: DOMAIN, layout: ids.layoutName })).layout).toEqual({ [ids.dataKey]: ids.layoutName });
    expect(Object.keys((await ok(operator, 'user_roles')).roles as object)).toEqual([ids.role]);
  } finally {
    operator.close();
  }
  // Another operator is unaffected.
  const bob = await connect(server, 'bob', 'bob', 'ground');
  expect(Object.keys(((await ok(bob, 'role_loops')) as { loops: object }).loops)).toEqual(['loop1', 'loop2', 'loop3', 'loop4']);
  bob.close();
  // On disk the ids are own keys of the openvocs files.
  const project = JSON.parse(await readFile(join(server.db, 'auth', DOMAIN, PROJECT.id, 'config.json'), 'utf8')) as Record<string, Record<string, Record<string, unknown>>>;
  expect(Object.hasOwn(project.users ?? {}, ids.user) && Object.hasOwn(project.roles ?? {}, ids.role) && Object.hasOwn(project.loops ?? {}, ids.loop)).toBe(true);
  const state = JSON.parse(await readFile(join(server.db, 'state.json'), 'utf8')) as Record<string, Record<string, Record<string, unknown>>>;
  expect(state[ids.user]?.[ids.role]?.[ids.loop]).toEqual({ state: 'send', volume: 33 });
}

describe('ids are data', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('roles, loops, users, layouts and user data named like Object members work, persist and survive a restart', { timeout: 240_000 }, async () => {
    const name = fc.constantFrom(...USABLE);
    await fc.assert(
      fc.asyncProperty(fc.record({ user: name, role: name, loop: name, dataKey: name, layoutName: name }), async (ids) => {
        const db = await copyFixture();
        server = await startTestServer({ db });
        await setUp(server, ids);
        await expectWorking(server, ids);
        await server.stop();
        server = await startTestServer({ db });
        await expectWorking(server, ids);
        await server.stop();
        server = undefined;
      }),
      { numRuns: 12, seed: 20261130, endOnFailure: true },
    );
  });

  it('refuses the reserved id __proto__ with 1008 at every entry point and changes nothing', { timeout: 60_000 }, async () => {
    server = await startTestServer();
    const admin = await connect(server, 'admin', 'admin');
    const before = await readFile(join(server.db, 'auth', DOMAIN, PROJECT.id, 'config.json'), 'utf8');
    const attempts: Array<[string, Record<string, unknown>]> = [
      ['create', { type: 'user', id: '__proto__', scope: PROJECT }],
      ['create', { type: 'role', id: '__proto__', scope: PROJECT }],
      ['create', { type: 'loop', id: '__proto__', scope: PROJECT }],
      ['create', { type: 'project', id: '__proto__', scope: { type: 'domain', id: DOMAIN } }],
      ['update_key', { type: 'role', id: 'flight', key: 'users', data: JSON.parse('{"__proto__": null}') as unknown }],
      ['update_key', { type: 'loop', id: 'loop1', key: '__proto__', data: { roles: { flight: true } } }],
      ['update', { type: 'loop', id: 'loop1', data: JSON.parse('{"name": "x", "__proto__": {"polluted": 1}}') as unknown }],
      ['set_layout', { role: 'flight', layout: JSON.parse('{"__proto__": [{"page": 1, "row": 1, "column": 1}]}') as unknown }],
      ['set_keyset_layout', { domain: DOMAIN, name: '__proto__', layout: {} }],
      ['set_user_data', JSON.parse('{"__proto__": {"polluted": 1}, "a": 1}') as Record<string, unknown>],
      ['set_user_data', JSON.parse('{"deep": {"__proto__": 1}}') as Record<string, unknown>],
    ];
    for (const [event, parameter] of attempts) {
      const reply = await admin.request(event, parameter);
      expect(reply.error?.code, `${event} ${JSON.stringify(parameter)} → ${JSON.stringify(reply.error ?? reply.response)}`).toBe(1008);
    }
    const anonymous = await ProtocolClient.connect(server.apiUrl);
    expect((await anonymous.request('login', { user: '__proto__', password: 'x' })).error?.code).toBe(1008);
    anonymous.close();
    expect((await ok(admin, 'get_user_data')).data).toEqual({});
    expect(await readFile(join(server.db, 'auth', DOMAIN, PROJECT.id, 'config.json'), 'utf8')).toBe(before);
    expectPrototypesIntact();
    admin.close();
  });
});

describe('regression: a project admin took the server down through entity ids', () => {
  beforeAll(async () => {
    await ensureBuilt();
  }, 120_000);
  afterEach(async () => {
    await cleanupChildren();
  });

  // On the old main, state.json was a plain object: for user "constructor" and role "prototype",
  // `state[user][role]` was Object.prototype, and switching loop "hasOwnProperty" replaced
  // Object.prototype.hasOwnProperty with {state}; the next connection's log line threw and the process exited.
  it.each(['hasOwnProperty', 'valueOf', 'propertyIsEnumerable'])('user "constructor", role "prototype", loop "%s": the server keeps serving', { timeout: 60_000 }, async (loop) => {
    const db = await copyFixtureDb();
    const server = await spawnLoopcast({ db, dataDir: await makeTempDir('loopcast-ids-') });
    const steps: Array<[string, Record<string, unknown>]> = [
      ['login', { user: 'alice', password: 'alice' }],
      ['create', { type: 'user', id: 'constructor', scope: PROJECT }],
      ['update_password', { user: 'constructor', password: 'password-123' }],
      ['create', { type: 'role', id: 'prototype', scope: PROJECT }],
      ['update_key', { type: 'role', id: 'prototype', key: 'users', data: { constructor: null } }],
      ['create', { type: 'loop', id: loop, scope: PROJECT }],
      ['update_key', { type: 'loop', id: loop, key: 'roles', data: { prototype: true } }],
    ];
    const admin = await RawSocket.connect(server.apiUrl);
    for (const [event, parameter] of steps) expect((await admin.request(event, parameter, `${event}-${Math.random()}`)).error).toBeUndefined();
    const operator = await RawSocket.connect(server.apiUrl);
    for (const [event, parameter] of [
      ['login', { user: 'constructor', password: 'password-123' }],
      ['authorize', { role: 'prototype' }],
      ['switch_loop_state', { loop, state: 'recv' }],
    ] as const) {
      expect((await operator.request(event, parameter, `${event}-op`)).error).toBeUndefined();
    }
    // A new connection and a login still work: the process is alive and its prototypes intact.
    const fresh = await RawSocket.connect(server.apiUrl);
    const reply = await fresh.request('login', { user: 'bob', password: 'bob' }, 'fresh-login');
    expect(reply.error).toBeUndefined();
    expect(server.proc.exitCode).toBeNull();
    const state = JSON.parse(await readFile(join(db, 'state.json'), 'utf8')) as Record<string, Record<string, Record<string, unknown>>>;
    expect(new Map(Object.entries(state)).get('constructor')?.['prototype']?.[loop]).toEqual({ state: 'recv' });
    for (const s of [admin, operator, fresh]) s.close();
  });
});
