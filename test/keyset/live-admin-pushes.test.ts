// The server side of a truthful keyset (docs/protocol.md "Extensions"): an admin change reaches a logged-in
// operator's socket as pushes — `loop_state_forced` when the server moves its loop, `role_loops_changed` with the
// role's loops as they are now, `session_ended` before the socket of a removed user is closed — and
// `loop_participants` names who is on a loop. Every message is checked against the contract.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolClient, type Message } from '../support/protocol-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe('live administration pushes', () => {
  let server: TestServer;
  let admin: ProtocolClient;
  let bob: ProtocolClient;

  beforeAll(async () => {
    server = await startTestServer();
    admin = await ProtocolClient.connect(server.apiUrl);
    await admin.loginAs('alice', 'alice');
    bob = await ProtocolClient.connect(server.apiUrl);
    await bob.loginAs('bob', 'bob', 'flight');
    await bob.ok('role_loops');
  });

  afterAll(async () => {
    admin?.close();
    bob?.close();
    await server?.stop();
  });

  const since = (client: ProtocolClient, from: number, event: string) => (m: Message) => client.pushes.indexOf(m) >= from && m.event === event;

  it('revoking talk forces the loop to monitor with an explicit push, then the new permission in role_loops_changed', async () => {
    expect(await bob.ok('switch_loop_state', { loop: 'loop1', state: 'send' })).toMatchObject({ state: 'send' });
    const talk = await bob.ok('talking', { loop: 'loop1', state: true });
    expect(talk).toMatchObject({ state: true });
    const from = bob.pushes.length;
    const t0 = Date.now();
    await admin.ok('update_key', { type: 'loop', id: 'loop1', key: 'roles', data: { flight: false, ground: true } });
    const forced = await bob.waitFor(since(bob, from, 'loop_state_forced'), 1000);
    expect(forced.type).toBe('unicast');
    expect(forced.parameter).toEqual({ loop: 'loop1', state: 'recv', reason: 'permission' });
    const changed = await bob.waitFor(since(bob, from, 'role_loops_changed'), 1000);
    expect(Date.now() - t0).toBeLessThan(1000);
    const loops = changed.parameter?.loops as Record<string, { permission: string; state: string }>;
    expect(loops.loop1).toMatchObject({ permission: 'recv', state: 'recv' });
    // Talking ended with the talk state, and the server now refuses it.
    expect(bob.pushes.some((m) => bob.pushes.indexOf(m) >= from && m.event === 'talking' && m.parameter?.state === false)).toBe(true);
    expect((await bob.request('talking', { loop: 'loop1', state: true })).error?.code).toBe(5004);
  });

  it('re-granting talk is pushed too (the operator can talk again without a reload)', async () => {
    const from = bob.pushes.length;
    await admin.ok('update_key', { type: 'loop', id: 'loop1', key: 'roles', data: { flight: true, ground: true } });
    const changed = await bob.waitFor(since(bob, from, 'role_loops_changed'), 1000);
    expect((changed.parameter?.loops as Record<string, { permission: string }>).loop1?.permission).toBe('send');
    expect(bob.pushes.slice(from).some((m) => m.event === 'loop_state_forced')).toBe(false);
  });

  it('a loop added with a layout position reaches the operator within 1 s, a removed one disappears', async () => {
    let from = bob.pushes.length;
    const t0 = Date.now();
    await admin.ok('create', { type: 'loop', id: 'loop9', scope: { type: 'project', id: 'mcc@127.0.0.1' } });
    await admin.ok('update', { type: 'loop', id: 'loop9', data: { id: 'loop9', name: 'NEW LOOP', roles: { flight: true } } });
    const layout = (await admin.ok('get_layout', { role: 'flight' })).layout as Record<string, unknown>;
    await admin.ok('set_layout', { role: 'flight', layout: { ...layout, loop9: [{ page: 1, row: 3, column: 1 }] } });
    const added = await bob.waitFor((m) => since(bob, from, 'role_loops_changed')(m) && (m.parameter?.loops as Record<string, { layout_position: Array<{ row: number }> }>).loop9?.layout_position[0]?.row === 3, 1000);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect((added.parameter?.loops as Record<string, unknown>).loop9).toMatchObject({ name: 'NEW LOOP', permission: 'send', layout_position: [{ page: 1, row: 3, column: 1 }] });
    // bob may join the new loop at once, and asks who is on it with display names.
    await bob.ok('switch_loop_state', { loop: 'loop9', state: 'recv' });
    const named = await bob.ok('loop_participants', { loop: 'loop9' });
    expect(named.participants).toEqual([{ client: bob.clientId, user: 'bob', user_name: 'Bob', role: 'flight', role_name: 'Flight Director' }]);

    from = bob.pushes.length;
    await admin.ok('delete', { type: 'loop', id: 'loop9' });
    const forced = await bob.waitFor(since(bob, from, 'loop_state_forced'), 1000);
    expect(forced.parameter).toEqual({ loop: 'loop9', state: 'none', reason: 'removed' });
    const removed = await bob.waitFor(since(bob, from, 'role_loops_changed'), 1000);
    expect(Object.keys(removed.parameter?.loops as object)).not.toContain('loop9');
  });

  it('loop_participants needs a permitted loop', async () => {
    expect((await bob.request('loop_participants', { loop: 'no-such-loop' })).error?.code).toBe(5004);
  });

  it('removing the operator from the role ends the session with a push before the close', async () => {
    const from = bob.pushes.length;
    const role = (await admin.ok('get', { type: 'role', id: 'flight' })).result as { users: Record<string, unknown> };
    const { bob: _bob, ...users } = role.users;
    await admin.ok('update_key', { type: 'role', id: 'flight', key: 'users', data: users });
    const ended = await bob.waitFor(since(bob, from, 'session_ended'), 1000);
    expect(ended.parameter).toEqual({ reason: 'role_removed' });
    expect(await bob.waitClosed(2000)).toBe(4001);
    expect(bob.contractViolations).toEqual([]);
    expect(admin.contractViolations).toEqual([]);
  });
});
