// Negative paths of the signaling protocol (docs/openvocs-protocol.md §2, §3, §5, §7): every refusal carries the
// documented error code, and afterwards the server is up and an unrelated logged-in socket still works.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_PERMISSIONS, getHealth } from '../support/fuzz-tools.js';
import { ProtocolClient, type Message } from '../support/protocol-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PROJECT = 'mcc@127.0.0.1';
const DOMAIN = '127.0.0.1';

let server: TestServer;
/** bob/ground, logged in before any test: must keep working whatever the other sockets do. */
let witness: ProtocolClient;
const opened: ProtocolClient[] = [];

async function connect(url = server.apiUrl, clientId?: string): Promise<ProtocolClient> {
  const client = await ProtocolClient.connect(url, clientId ? { clientId } : {});
  opened.push(client);
  return client;
}

function loopsOf(response: Record<string, unknown>): Record<string, Record<string, unknown>> {
  return response.loops as Record<string, Record<string, unknown>>;
}

/** The server answers /health, and the witness socket gets correct replies to ping and role_loops. */
async function expectServerHealthy(target: TestServer = server, other: ProtocolClient = witness): Promise<void> {
  const health = await getHealth(target.port);
  expect(health.status).toBe(200);
  expect(health.body.status).toBe('ok');
  expect(other.closeCode).toBeUndefined();
  expect(await other.ok('ping')).toEqual({});
  const loops = loopsOf(await other.ok('role_loops'));
  const permissions = Object.fromEntries(Object.entries(loops).map(([id, loop]) => [id, loop.permission]));
  expect(permissions).toEqual(FIXTURE_PERMISSIONS.ground);
}

function expectError(reply: Message, code: number, description?: RegExp | string): void {
  expect(reply.error, `expected error ${code} for ${reply.event}, got ${JSON.stringify(reply.response)}`).toBeDefined();
  expect(reply.error?.code).toBe(code);
  if (typeof description === 'string') expect(reply.error?.description).toBe(description);
  else if (description) expect(reply.error?.description).toMatch(description);
  // docs/openvocs-protocol.md §2: response stays an object in errors.
  expect(reply.response).toEqual({});
  expect(reply.type).toBe('unicast');
}

beforeAll(async () => {
  server = await startTestServer();
  witness = await ProtocolClient.connect(server.apiUrl);
  await witness.loginAs('bob', 'bob', 'ground');
  await witness.ok('role_loops');
});

afterEach(() => {
  for (const client of opened.splice(0)) client.close();
});

afterAll(async () => {
  witness?.close();
  await server?.stop();
});

describe('login refusals', () => {
  it('answers a wrong password and an unknown user with the same 5000 description', async () => {
    const a = await connect();
    const wrong = await a.request('login', { user: 'alice', password: 'not-alice' });
    expectError(wrong, 5000);
    const b = await connect();
    const unknown = await b.request('login', { user: 'nobody-here', password: 'whatever' });
    expectError(unknown, 5000, wrong.error?.description);
    // Neither reveals which part was wrong, and both stay logged out.
    expectError(await a.request('user_roles'), 5000);
    expectError(await b.request('user_roles'), 5000);
    await expectServerHealthy();
  });

  it('refuses a second login on the same socket with 5002 and keeps the first login', async () => {
    const a = await connect();
    await a.loginAs('alice', 'alice');
    expectError(await a.request('login', { user: 'alice', password: 'alice' }), 5002);
    expectError(await a.request('authenticate', { user: 'bob', password: 'bob' }), 5002);
    const user = await a.ok('get', { type: 'user', id: 'alice' });
    expect((user.result as Record<string, unknown>).id).toBe('alice');
    await expectServerHealthy();
  });

  it('answers missing or ill-typed login parameters with 1008 naming the field', async () => {
    const a = await connect();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{}, 'user'],
      [{ password: 'alice' }, 'user'],
      [{ user: 42, password: 'alice' }, 'user'],
      [{ user: ['alice'], password: 'alice' }, 'user'],
      [{ user: 'alice' }, 'password'],
      [{ user: 'alice', password: 7 }, 'password'],
      [{ user: 'alice', password: null }, 'password'],
      [{ user: 'alice', password: '' }, 'password'],
    ];
    for (const [parameter, field] of cases) {
      const reply = await a.request('login', parameter);
      expectError(reply, 1008, new RegExp(`\\b${field}\\b`));
    }
    // The socket is still usable and not logged in: a correct login now works.
    expect((await a.ok('login', { user: 'alice', password: 'alice' })).id).toBe('alice');
    await expectServerHealthy();
  });

  it('refuses events that need a login before login with 5000', async () => {
    const a = await connect();
    const events: Array<[string, Record<string, unknown>]> = [
      ['user_roles', {}],
      ['authorize', { role: 'flight' }],
      ['get', { type: 'user', id: 'alice' }],
      ['role_loops', {}],
      ['switch_loop_state', { loop: 'loop1', state: 'recv' }],
      ['switch_loop_volume', { loop: 'loop1', volume: 10 }],
      ['talking', { loop: 'loop1', state: true }],
      ['get_user_data', {}],
      ['set_user_data', { x: 1 }],
      ['update_login', { user: 'alice', session: 'x' }],
      ['logout', {}],
      ['media', { type: 'request' }],
      ['create', { type: 'user', id: 'u1', scope: { type: 'project', id: PROJECT } }],
    ];
    for (const [event, parameter] of events) expectError(await a.request(event, parameter), 5000);
    // Events without a login requirement still work on that socket.
    expect(await a.ok('register')).toEqual({});
    expect(await a.ok('ping')).toEqual({});
    expect(a.closeCode).toBeUndefined();
    await expectServerHealthy();
  });
});

describe('roles', () => {
  it('refuses a role the user is not a member of with 5000 (carol → ground)', async () => {
    const carol = await connect();
    await carol.loginAs('carol', 'carol');
    expectError(await carol.request('authorize', { role: 'ground' }), 5000);
    expectError(await carol.request('authorise', { role: 'admin' }), 5000);
    // Still without a role: role events are refused; a role she has is then accepted.
    expectError(await carol.request('role_loops'), 5000);
    expect(await carol.ok('authorize', { role: 'flight' })).toEqual({ id: 'flight' });
    await expectServerHealthy();
  });

  it('refuses a second authorize with 9999 and keeps the first role', async () => {
    const alice = await connect();
    await alice.loginAs('alice', 'alice', 'flight');
    expectError(await alice.request('authorize', { role: 'ground' }), 9999);
    expectError(await alice.request('authorize', { role: 'flight' }), 9999);
    const permissions = Object.fromEntries(Object.entries(loopsOf(await alice.ok('role_loops'))).map(([id, l]) => [id, l.permission]));
    expect(permissions).toEqual(FIXTURE_PERMISSIONS.flight);
    await expectServerHealthy();
  });
});

describe('loop permissions', () => {
  it('refuses send on a monitor-only loop with 5004 but allows recv there', async () => {
    const alice = await connect();
    await alice.loginAs('alice', 'alice', 'flight');
    expectError(await alice.request('switch_loop_state', { loop: 'loop3', state: 'send' }), 5004);
    const recv = await alice.ok('switch_loop_state', { loop: 'loop3', state: 'recv' });
    expect(recv).toMatchObject({ loop: 'loop3', state: 'recv' });
    // The refused send was not persisted: the stored state is the accepted recv.
    expect(loopsOf(await alice.ok('role_loops')).loop3).toMatchObject({ permission: 'recv', state: 'recv' });
    expect(await alice.ok('switch_loop_state', { loop: 'loop3', state: 'none' })).toMatchObject({ state: 'none' });
    await expectServerHealthy();
  });

  it('refuses talking on a loop that is not switched to send with 5004', async () => {
    const alice = await connect();
    await alice.loginAs('alice', 'alice', 'flight');
    await alice.ok('switch_loop_state', { loop: 'loop1', state: 'none' });
    expectError(await alice.request('talking', { loop: 'loop1', state: true }), 5004);
    await alice.ok('switch_loop_state', { loop: 'loop1', state: 'recv' });
    expectError(await alice.request('talking', { loop: 'loop1', state: true }), 5004);
    // Monitor-only loop and unknown loop: also 5004.
    expectError(await alice.request('talking', { loop: 'loop3', state: true }), 5004);
    expectError(await alice.request('talking', { loop: 'no-such-loop', state: true }), 5004);
    // In send it is accepted.
    await alice.ok('switch_loop_state', { loop: 'loop1', state: 'send' });
    expect(await alice.ok('talking', { loop: 'loop1', state: true })).toEqual({ loop: 'loop1', state: true, user: 'alice', role: 'flight' });
    await alice.ok('talking', { loop: 'loop1', state: false });
    await alice.ok('switch_loop_state', { loop: 'loop1', state: 'none' });
    await expectServerHealthy();
  });
});

describe('admin rights', () => {
  /** Well-formed parameters, so that a refusal can only come from the rights check. */
  const ADMIN_EVENTS: Array<[string, Record<string, unknown>]> = [
    ['create', { type: 'user', id: 'mallory', scope: { type: 'project', id: PROJECT } }],
    ['create', { type: 'loop', id: 'loop-x', scope: { type: 'project', id: PROJECT } }],
    ['update', { type: 'loop', id: 'loop1', data: { name: 'HIJACKED' } }],
    ['update_key', { type: 'loop', id: 'loop1', key: 'name', data: 'HIJACKED' }],
    ['delete_key', { type: 'loop', id: 'loop1', key: 'name' }],
    ['delete', { type: 'loop', id: 'loop1' }],
    ['delete', { type: 'user', id: 'alice' }],
    ['update_password', { user: 'alice', password: 'bob-owns-alice-now' }],
    ['set_layout', { role: 'flight', layout: { loop1: [{ page: 1, row: 3, column: 3 }] } }],
    ['add_project_admin', { project: PROJECT, user: 'bob' }],
    ['add_domain_admin', { domain: DOMAIN, user: 'bob' }],
    ['save', {}],
    ['load', {}],
    ['get_highest_port', {}],
    ['broadcast', { type: 'page_update', from: 'bob' }],
    ['set_keyset_layout', { domain: DOMAIN, name: 'default', layout: { grid_columns: 9 } }],
    ['get', { type: 'loop', id: 'loop1' }],
    ['get_key', { type: 'loop', id: 'loop1', key: 'multicast' }],
  ];

  it('refuses every admin event of a non-admin (bob) with 5000 and changes nothing', async () => {
    const observer = await connect();
    await observer.loginAs('carol', 'carol');
    const bob = await connect();
    await bob.loginAs('bob', 'bob', 'ground');
    for (const [event, parameter] of ADMIN_EVENTS) {
      const reply = await bob.request(event, parameter);
      expect(reply.error?.code, `${event} ${JSON.stringify(parameter)}`).toBe(5000);
      expect(reply.response).toEqual({});
    }
    // Nothing changed: the loop is intact, alice's password is still hers, bob is no admin.
    const alice = await connect();
    await alice.loginAs('alice', 'alice');
    const loop = (await alice.ok('get', { type: 'loop', id: 'loop1' })).result as Record<string, unknown>;
    expect(loop).toMatchObject({ id: 'loop1', name: 'LOOP1', roles: { flight: true, ground: true } });
    expect(await alice.ok('check_id_exists', { id: 'mallory' })).toEqual({ result: false });
    expect(await alice.ok('check_id_exists', { id: 'loop-x' })).toEqual({ result: false });
    const layout = (await alice.ok('get_layout', { role: 'flight' })).layout as Record<string, unknown>;
    expect(layout.loop1).toEqual([{ column: 1, row: 1, page: 1 }]);
    expectError(await bob.request('get_highest_port'), 5000);
    // bob's broadcast never reached anyone: the first system broadcast carol sees is alice's.
    await alice.ok('broadcast', { type: 'page_update', from: 'alice' });
    const seen = await observer.waitFor((m) => m.event === 'broadcast');
    expect(seen.parameter).toEqual({ type: 'page_update', from: 'alice' });
    expect(observer.pushes.filter((m) => m.event === 'broadcast')).toHaveLength(1);
    await expectServerHealthy();
  });

  it('refuses domain writes of a project admin (alice) with 5000, accepts them from the domain admin', async () => {
    const alice = await connect();
    await alice.loginAs('alice', 'alice');
    const create = { type: 'project', id: 'x', scope: { type: 'domain', id: DOMAIN } };
    expectError(await alice.request('create', create), 5000);
    expectError(await alice.request('update_key', { type: 'domain', id: DOMAIN, key: 'name', data: 'mine' }), 5000);
    expectError(await alice.request('add_domain_admin', { domain: DOMAIN, user: 'alice' }), 5000);
    expectError(await alice.request('set_keyset_layout', { domain: DOMAIN, name: 'default', layout: { grid_columns: 2 } }), 5000);
    expectError(await alice.request('save'), 5000);
    expectError(await alice.request('load'), 5000);
    expect(await alice.ok('check_id_exists', { id: 'x', scope: 'project' })).toEqual({ result: false });

    const admin = await connect();
    await admin.loginAs('admin', 'admin');
    expect(await admin.ok('create', create)).toEqual({});
    const project = (await admin.ok('get', { type: 'project', id: 'x' })).result as Record<string, unknown>;
    expect(project).toMatchObject({ id: 'x', domain: DOMAIN });
    expect(await admin.ok('save')).toEqual({});
    expect(await admin.ok('delete', { type: 'project', id: 'x' })).toEqual({});
    await expectServerHealthy();
  });

  // Regression: create() once checked rights on the given scope only, so a project admin could create
  // new domains (new folders under auth/).
  it('refuses domain creation by a project admin (alice) with 5000', async () => {
    const alice = await connect();
    await alice.loginAs('alice', 'alice');
    const reply = await alice.request('create', { type: 'domain', id: 'alice-domain', scope: { type: 'project', id: PROJECT } });
    expectError(reply, 5000);
    expect(await alice.ok('check_id_exists', { id: 'alice-domain', scope: 'domain' })).toEqual({ result: false });
    await expectServerHealthy();
  });
  // Regression: create {type:'role', id:'admin'} once replaced the scope's admin role by an empty one,
  // so every admin of the scope lost their rights (irrecoverably for a domain).
  it('refuses to create an admin role over the existing one (1008) and keeps the admins', async () => {
    const target = await startTestServer();
    try {
      const alice = await ProtocolClient.connect(target.apiUrl);
      opened.push(alice);
      await alice.loginAs('alice', 'alice');
      const reply = await alice.request('create', { type: 'role', id: 'admin', scope: { type: 'project', id: PROJECT } });
      expect(await alice.request('get_highest_port'), 'alice lost her project admin rights').not.toHaveProperty('error');
      expectError(reply, 1008, /\bid\b/);
    } finally {
      await target.stop();
    }
  });
});

describe('malformed frames', () => {
  it('answers malformed JSON with 1008 "malformed JSON" and keeps the socket open', async () => {
    const a = await connect();
    a.sendRaw('{"event":"ping","uuid":');
    const reply = await a.waitFor((m) => m.error !== undefined);
    expect(reply.error).toEqual({ code: 1008, name: 'parameter', description: 'malformed JSON' });
    expect(reply.response).toEqual({});
    expect(reply.type).toBe('unicast');
    expect(await a.ok('ping')).toEqual({});
    expect(a.closeCode).toBeUndefined();
    await expectServerHealthy();
  });

  it('answers an unknown event with 1008 "unknown event <name>" and keeps the socket open', async () => {
    const a = await connect();
    const reply = await a.request('frobnicate', { x: 1 });
    expectError(reply, 1008, 'unknown event frobnicate');
    expect(reply.uuid).toBe(reply.request?.uuid);
    expect(reply.client).toBe(a.clientId);
    // Inherited object keys are no events either.
    expectError(await a.request('constructor'), 1008, 'unknown event constructor');
    expectError(await a.request('__proto__'), 1008, 'unknown event __proto__');
    expect(await a.ok('ping')).toEqual({});
    expect(a.closeCode).toBeUndefined();
    await expectServerHealthy();
  });

  it('answers a binary frame with 1008 and keeps the socket open', async () => {
    const a = await connect();
    a.sendRaw(Buffer.from(JSON.stringify({ event: 'ping', uuid: 'binary-1' })));
    const reply = await a.waitFor((m) => m.error !== undefined);
    expect(reply.error?.code).toBe(1008);
    expect(reply.error?.description).toMatch(/binary/);
    expect(await a.ok('ping')).toEqual({});
    await expectServerHealthy();
  });

  it('answers a message over 64 KiB with 1008 "message too large" and keeps the socket open', async () => {
    const a = await connect();
    const uuid = 'too-large-1';
    a.sendRaw(JSON.stringify({ event: 'set_user_data', uuid, client: a.clientId, parameter: { blob: 'x'.repeat(65 * 1024) } }));
    const reply = await a.waitFor((m) => m.error !== undefined);
    expect(reply.error?.code).toBe(1008);
    expect(reply.error?.description).toMatch(/^message too large/);
    // Not parsed: nothing of the request is echoed.
    expect(reply.uuid).not.toBe(uuid);
    // Just under the limit is still parsed (and refused only because the socket is not logged in); no
    // single string exceeds the 32 KiB string limit.
    const part = 'x'.repeat(20 * 1024);
    const under = await a.request('set_user_data', { a: part, b: part, c: part });
    expectError(under, 5000);
    expect(await a.ok('ping')).toEqual({});
    await expectServerHealthy();
  });

  it('answers envelopes without uuid or event with 1008 naming the field', async () => {
    const a = await connect();
    a.sendRaw(JSON.stringify({ event: 'ping', client: a.clientId, type: 'unicast', parameter: {} }));
    const noUuid = await a.waitFor((m) => m.error !== undefined && m.event === 'ping');
    expect(noUuid.error?.code).toBe(1008);
    expect(noUuid.error?.description).toMatch(/\buuid\b/);
    expect(noUuid.uuid).toEqual(expect.any(String));

    a.sendRaw(JSON.stringify({ uuid: 'no-event-1', client: a.clientId, type: 'unicast', parameter: {} }));
    const noEvent = await a.waitFor((m) => m.uuid === 'no-event-1');
    expect(noEvent.error?.code).toBe(1008);
    expect(noEvent.error?.description).toMatch(/\bevent\b/);
    expect(noEvent.client).toBe(a.clientId);

    a.sendRaw(JSON.stringify({ event: 'ping', uuid: 'bad-parameter-1', parameter: [1, 2] }));
    const badParameter = await a.waitFor((m) => m.uuid === 'bad-parameter-1');
    expect(badParameter.error?.code).toBe(1008);
    expect(badParameter.error?.description).toMatch(/\bparameter\b/);

    a.sendRaw('[1,2,3]');
    a.sendRaw('"just a string"');
    a.sendRaw('null');
    const refusals = async (): Promise<Message[]> => {
      await a.waitFor(() => a.pushes.filter((m) => m.error?.code === 1008).length >= 6);
      return a.pushes.filter((m) => m.error?.code === 1008);
    };
    expect(await refusals()).toHaveLength(6);
    expect(await a.ok('ping')).toEqual({});
    expect(a.closeCode).toBeUndefined();
    await expectServerHealthy();
  });
});

describe('media without a media plane', () => {
  it('answers candidate, end_of_candidates and media answer without a media session with 2002', async () => {
    const alice = await connect();
    await alice.loginAs('alice', 'alice', 'flight');
    const candidate = { candidate: 'candidate:1 1 udp 2122260223 192.0.2.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0, ufrag: 'abcd' };
    expectError(await alice.request('candidate', candidate), 2002);
    expectError(await alice.request('end_of_candidates'), 2002);
    expectError(await alice.request('media', { type: 'answer', sdp: 'v=0\r\n' }), 2002);
    await expectServerHealthy();
  });

  it('answers media {type:"request"} with 10010 when the media plane is not running', async () => {
    const alice = await connect();
    await alice.loginAs('alice', 'alice', 'flight');
    expectError(await alice.request('media', { type: 'request' }), 10010);
    // No session was left behind.
    expectError(await alice.request('end_of_candidates'), 2002);
    expect(alice.pushes.filter((m) => m.event === 'media_ready')).toHaveLength(0);
    await expectServerHealthy();
  });
});

describe('rate limit', () => {
  it('answers each of 300 back-to-back requests exactly once, some with 50000, and recovers', async () => {
    const a = await connect();
    const uuids = Array.from({ length: 300 }, (_, i) => `flood-${i}`);
    for (const uuid of uuids) a.sendRaw(JSON.stringify({ event: 'ping', uuid, client: a.clientId, type: 'unicast', parameter: {} }));
    // Another socket is not slowed down or limited by this one.
    expect(await witness.ok('ping')).toEqual({});
    await a.waitFor(() => a.pushes.length >= uuids.length, 15_000);
    const replies = a.pushes.filter((m) => m.event === 'ping');
    expect(replies).toHaveLength(uuids.length);
    expect(new Set(replies.map((m) => m.uuid))).toEqual(new Set(uuids));
    const codes = replies.map((m) => m.error?.code ?? 0);
    expect(codes.filter((c) => c === 50000).length).toBeGreaterThan(0);
    expect(codes.filter((c) => c === 0).length).toBeGreaterThan(0);
    // Only temporary codes (docs/openvocs-protocol.md §3: ≥ 50000, the client retries).
    expect(codes.filter((c) => c !== 0 && c < 50000)).toEqual([]);
    expect(a.closeCode).toBeUndefined();

    // The bucket refills (50/s): within a few seconds the socket works normally again.
    const deadline = Date.now() + 5_000;
    for (;;) {
      const reply = await a.request('ping');
      if (!reply.error) break;
      expect(reply.error.code).toBeGreaterThanOrEqual(50000);
      if (Date.now() > deadline) throw new Error('socket still rate limited after 5 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // A full bucket (burst 100 at 50/s) takes 2 s to refill; then a normal client's pace is served.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    for (let i = 0; i < 40; i++) expect((await a.request('ping')).error).toBeUndefined();
    await expectServerHealthy();
  });
});

describe('login throttling', () => {
  async function lockOutCarol(target: TestServer): Promise<Message> {
    for (let i = 0; i < 6; i++) {
      const c = await ProtocolClient.connect(target.apiUrl);
      opened.push(c);
      expectError(await c.request('login', { user: 'carol', password: `wrong-${i}` }), 5000, 'wrong user name or password');
    }
    const c = await ProtocolClient.connect(target.apiUrl);
    opened.push(c);
    return c.request('login', { user: 'carol', password: 'carol' });
  }

  it('locks a user out after 6 wrong passwords, even for the right one, and only for a while', async () => {
    const target = await startTestServer();
    try {
      const other = await ProtocolClient.connect(target.apiUrl);
      opened.push(other);
      await other.loginAs('bob', 'bob', 'ground');
      const locked = await lockOutCarol(target);
      expectError(locked, 5000, /retry/);
      // The lock is temporary (1 s after the sixth failure): poll until the right password works.
      const deadline = Date.now() + 10_000;
      for (;;) {
        const c = await ProtocolClient.connect(target.apiUrl);
        opened.push(c);
        const reply = await c.request('login', { user: 'carol', password: 'carol' });
        if (!reply.error) break;
        expectError(reply, 5000, /retry/);
        if (Date.now() > deadline) throw new Error('carol still locked out after 10 s');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      await expectServerHealthy(target, other);
    } finally {
      await target.stop();
    }
  });

  // Regression: the address lock once used the user's 5 free failures, so after carol's sixth failure
  // every user behind the same address (one NAT for a whole control room) was refused too.
  it("does not lock out other users (alice) from the same address because of carol's failures", async () => {
    const target = await startTestServer();
    try {
      const locked = await lockOutCarol(target);
      expectError(locked, 5000, /retry/);
      const alice = await ProtocolClient.connect(target.apiUrl);
      opened.push(alice);
      const reply = await alice.request('login', { user: 'alice', password: 'alice' });
      expect(reply.error, JSON.stringify(reply.error)).toBeUndefined();
      expect(reply.response).toMatchObject({ id: 'alice' });
    } finally {
      await target.stop();
    }
  });
});
