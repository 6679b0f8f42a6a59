// Admin API (docs/openvocs-protocol.md §7): changes are validated, durable, visible to operators and applied live.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolClient } from '../support/protocol-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let admin: ProtocolClient;
beforeAll(async () => {
  server = await startTestServer();
  admin = await ProtocolClient.connect(server.apiUrl);
  await admin.loginAs('admin', 'admin');
});
afterAll(async () => {
  admin.close();
  await server.stop();
});

describe('admin API', () => {
  it('lists what the caller administers, and nothing for others', async () => {
    expect(await admin.ok('admin_domains')).toEqual({ domains: ['127.0.0.1'] });
    expect(await admin.ok('admin_projects')).toEqual({ projects: { 'mcc@127.0.0.1': { id: 'mcc@127.0.0.1', domain: '127.0.0.1', name: 'Mission Control' } } });
    const alice = await ProtocolClient.connect(server.apiUrl);
    await alice.loginAs('alice', 'alice');
    expect(await alice.ok('admin_domains')).toEqual({ domains: [] });
    expect(Object.keys((await alice.ok('admin_projects')).projects as object)).toEqual(['mcc@127.0.0.1']);
    expect((await alice.request('admin_domains', { user: 'admin' })).error?.code).toBe(5000);
    alice.close();
  });

  it('creates a project with a user, a role and a loop; the new operator logs in and sees them', async () => {
    const scope = { type: 'domain', id: '127.0.0.1' };
    await admin.ok('create', { type: 'project', id: 'apollo', scope });
    const project = { type: 'project', id: 'apollo' };
    await admin.ok('create', { type: 'user', id: 'dave', scope: project });
    await admin.ok('update_password', { user: 'dave', password: 'dave-secret-1' });
    await admin.ok('create', { type: 'role', id: 'retro', scope: project });
    await admin.ok('update', { type: 'role', id: 'retro', data: { name: 'Retrofire', users: { dave: null } } });
    await admin.ok('create', { type: 'loop', id: 'retro-loop', scope: project });
    await admin.ok('update', { type: 'loop', id: 'retro-loop', data: { name: 'RETRO', roles: { retro: true }, multicast: { host: '239.1.2.3', port: 23001 } } });
    await admin.ok('set_layout', { role: 'retro', layout: { 'retro-loop': [{ page: 1, row: 2, column: 3 }] } });
    expect(await admin.ok('check_id_exists', { id: 'retro-loop', scope: 'loop' })).toEqual({ result: true });
    expect(await admin.ok('get_highest_port')).toEqual({ port: 23001 });

    const stored = JSON.parse(await readFile(join(server.db, 'auth', '127.0.0.1', 'apollo', 'config.json'), 'utf8')) as { users: Record<string, { password: { scheme: string } }> };
    expect(stored.users.dave?.password.scheme).toBe('scrypt');
    const got = await admin.ok('get', { type: 'user', id: 'dave' });
    expect(JSON.stringify(got)).not.toContain('password');

    const dave = await ProtocolClient.connect(server.apiUrl);
    await dave.loginAs('dave', 'dave-secret-1', 'retro');
    const { loops } = (await dave.ok('role_loops')) as { loops: Record<string, unknown> };
    expect(loops).toEqual({
      'retro-loop': {
        id: 'retro-loop', name: 'RETRO', type: 'audio', permission: 'send', state: 'none', volume: 50,
        multicast: { host: '239.1.2.3', port: 23001 }, layout_position: [{ page: 1, row: 2, column: 3 }],
      },
    });
    dave.close();
  });

  it('refuses invalid changes with the JSON path and changes nothing', async () => {
    const bad = await admin.request('update', { type: 'loop', id: 'loop1', data: { multicast: { host: '239.0.0.1', port: 'x' } } });
    expect(bad.error?.code).toBe(1008);
    expect(bad.error?.description).toContain('$.loops.loop1.multicast.port');
    const dup = await admin.request('create', { type: 'loop', id: 'loop2', scope: { type: 'project', id: 'mcc@127.0.0.1' } });
    expect(dup.error?.code).toBe(1008);
    const clash = await admin.request('update_key', { type: 'loop', id: 'loop2', key: 'multicast', data: { host: '224.0.0.1', port: 20001 } });
    expect(clash.error?.code).toBe(1008);
    expect(clash.error?.description).toContain('already used by loop "loop1"');
    const pw = await admin.request('update', { type: 'user', id: 'bob', data: { password: { hash: 'x', salt: 'y' } } });
    expect(pw.error?.code).toBe(1008);
    expect(((await admin.ok('get', { type: 'loop', id: 'loop1' })).result as { multicast: unknown }).multicast).toEqual({ host: '224.0.0.1', port: 20001 });
  });

  it('moves a talking operator to monitor within 1 s when talk permission is revoked', async () => {
    const bob = await ProtocolClient.connect(server.apiUrl);
    await bob.loginAs('bob', 'bob', 'ground');
    await bob.ok('role_loops');
    await bob.ok('switch_loop_state', { loop: 'loop4', state: 'send' });
    await bob.ok('talking', { loop: 'loop4', state: true });
    const started = Date.now();
    await admin.ok('update_key', { type: 'loop', id: 'loop4', key: 'roles', data: { flight: true, ground: false } });
    const moved = await bob.waitFor((m) => m.type === 'user_broadcast' && m.parameter?.loop === 'loop4' && m.parameter.state === 'recv', 1000);
    expect(moved.parameter?.user).toBe('bob');
    expect(Date.now() - started).toBeLessThan(1000);
    const talkEnd = await bob.waitFor((m) => m.event === 'talking' && m.parameter?.state === false);
    expect(talkEnd.parameter?.loop).toBe('loop4');
    expect((await bob.request('switch_loop_state', { loop: 'loop4', state: 'send' })).error?.code).toBe(5004);
    bob.close();
  });

  it('closes the sockets of a deleted user and forgets the user', async () => {
    const carol = await ProtocolClient.connect(server.apiUrl);
    await carol.loginAs('carol', 'carol', 'flight');
    await admin.ok('delete', { type: 'user', id: 'carol' });
    expect(await carol.waitClosed()).toBe(4001);
    const again = await ProtocolClient.connect(server.apiUrl);
    expect((await again.request('login', { user: 'carol', password: 'carol' })).error?.code).toBe(5000);
    again.close();
  });

  it('stores keyset layouts in the domain file and serves them', async () => {
    await admin.ok('set_keyset_layout', { domain: '127.0.0.1', name: 'mcc@127.0.0.1', layout: { grid_columns: 6, grid_rows: 3 } });
    const bob = await ProtocolClient.connect(server.apiUrl);
    await bob.loginAs('bob', 'bob');
    expect(await bob.ok('get_keyset_layout', { domain: '127.0.0.1', layout: 'mcc@127.0.0.1' })).toEqual({ layout: { grid_columns: 6, grid_rows: 3 } });
    const domainFile = JSON.parse(await readFile(join(server.db, 'auth', '127.0.0.1', 'config.json'), 'utf8')) as { layout: unknown };
    expect(domainFile.layout).toEqual({ 'mcc@127.0.0.1': { grid_columns: 6, grid_rows: 3 } });
    bob.close();
  });

  it('sends system broadcasts from admins only, within their scopes', async () => {
    const bob = await ProtocolClient.connect(server.apiUrl);
    await bob.loginAs('bob', 'bob');
    expect((await bob.request('broadcast', { type: 'page_update' })).error?.code).toBe(5000);
    await admin.ok('broadcast', { type: 'page_update' });
    const pushed = await bob.waitFor((m) => m.type === 'system_broadcast');
    expect(pushed).toMatchObject({ event: 'broadcast', parameter: { type: 'page_update' } });
    bob.close();
  });

  it('reloads the files with load and saves with save', async () => {
    await admin.ok('save');
    await admin.ok('load');
    expect(await admin.ok('check_id_exists', { id: 'apollo', scope: 'project' })).toEqual({ result: true });
  });

  it('writes every change to the audit log, readable per scope, durable on disk', async () => {
    const { entries } = (await admin.ok('admin_audit', { limit: 1000 })) as { entries: Array<{ user: string; event: string; summary: string; project: string | null }> };
    const summaries = entries.map((e) => e.summary);
    expect(summaries).toContain('create project apollo');
    expect(summaries).toContain('update_password user dave');
    expect(summaries).toContain('update_key loop loop4 key roles');
    expect(summaries).toContain('delete user carol');
    expect(entries.every((e) => e.user === 'admin')).toBe(true);
    expect(JSON.stringify(entries)).not.toContain('dave-secret-1');
    // Refused changes are not audited.
    expect(summaries.filter((s) => s.startsWith('create loop loop2'))).toEqual([]);

    const alice = await ProtocolClient.connect(server.apiUrl);
    await alice.loginAs('alice', 'alice');
    const own = (await alice.ok('admin_audit')) as { entries: Array<{ project: string | null }> };
    expect(own.entries.length).toBeGreaterThan(0);
    expect(own.entries.every((e) => e.project === 'mcc@127.0.0.1')).toBe(true);
    alice.close();
    const bob = await ProtocolClient.connect(server.apiUrl);
    await bob.loginAs('bob', 'bob');
    expect((await bob.request('admin_audit')).error?.code).toBe(5000);
    expect((await bob.request('admin_live')).error?.code).toBe(5000);
    bob.close();

    const onDisk = (await readFile(join(server.db, 'audit.jsonl'), 'utf8')).trim().split('\n');
    expect(onDisk.length).toBe(entries.length);
  });

  it('shows connected operators with role, loop states and talking in the live view', async () => {
    const bob = await ProtocolClient.connect(server.apiUrl);
    await bob.loginAs('bob', 'bob', 'ground');
    await bob.ok('role_loops');
    await bob.ok('switch_loop_state', { loop: 'loop1', state: 'send' });
    await bob.ok('talking', { loop: 'loop1', state: true });
    const { sockets } = (await admin.ok('admin_live')) as { sockets: Array<Record<string, unknown>> };
    const entry = sockets.find((s) => s.client === bob.clientId);
    expect(entry).toMatchObject({ user: 'bob', role: 'ground', loops: { loop1: 'send' }, talking: ['loop1'], media: null, scope: { type: 'project', id: 'mcc@127.0.0.1' } });
    bob.close();
  });
});
