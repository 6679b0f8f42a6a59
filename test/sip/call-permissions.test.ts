// openvocs' call permissions in a Loopcast server: permit_call / revoke_call change the loop's
// `sip.whitelist` through the directory write path (on disk before the reply, then broadcast), only
// for admins of the loop's scope; list_call_permissions / list_sip_status; a `callee` permission lets
// a loop's talkers call that number, a `caller` permission lets that caller talk on the loop.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopKey } from '../../src/directory/loop-key.js';
import { DirectorySipAccess } from '../../src/gateways/sip/directory-access.js';
import { freePort } from '../support/ports.js';
import { ProtocolClient } from '../support/protocol-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PROJECT_FILE = 'auth/127.0.0.1/mcc@127.0.0.1/config.json';
const CALLER = '+4930777';
let server: TestServer;
let alice: ProtocolClient; // project admin, no role (as the admin console)
let bob: ProtocolClient; // ground operator
const now = Math.floor(Date.now() / 1000);

beforeAll(async () => {
  server = await startTestServer({
    config: {
      media: { enabled: true, bindAddress: '127.0.0.1' },
      sip: { host: '127.0.0.1', port: 0, outbound: { host: '127.0.0.1', port: await freePort() }, callers: { [CALLER]: { pin: '1357', user: 'bob', role: 'ground' } } },
    },
  });
  alice = await ProtocolClient.connect(server.apiUrl);
  await alice.loginAs('alice', 'alice');
  bob = await ProtocolClient.connect(server.apiUrl);
  await bob.loginAs('bob', 'bob', 'ground');
  await bob.ok('role_loops');
});

afterAll(async () => {
  alice.close();
  bob.close();
  await server.stop();
  await rm(server.db, { recursive: true, force: true });
});

async function whitelistOnDisk(loop: string): Promise<unknown> {
  const project = JSON.parse(await readFile(join(server.db, PROJECT_FILE), 'utf8')) as { loops: Record<string, { sip?: { whitelist?: unknown } }> };
  return project.loops[loop]?.sip?.whitelist;
}

describe('call permissions', () => {
  const permission = { caller: CALLER, loop: 'loop2', valid_from: now - 10, valid_until: now + 3600 };

  it('permit_call stores durably and broadcasts permit on the loop', async () => {
    const access = new DirectorySipAccess(server.services.directory, { accounts: {}, callers: { [CALLER]: { pin: '1357', user: 'bob', role: 'ground', talk: 'voice' } } });
    const scope = server.services.directory.ownerOf('loops', 'loop2');
    if (!scope) throw new Error('fixture has loop2');
    const target = { key: loopKey(scope, 'loop2') };
    expect(access.permission(CALLER, target)).toBe('recv'); // ground may only monitor loop2
    expect(await alice.ok('permit_call', permission)).toEqual({});
    expect(await whitelistOnDisk('loop2')).toEqual([permission]);
    const pushed = await bob.waitFor((m) => m.event === 'permit');
    expect(pushed.parameter).toEqual(permission);
    // A second identical permit changes nothing.
    await alice.ok('permit_call', permission);
    expect(await whitelistOnDisk('loop2')).toEqual([permission]);
    // The permitted caller talks on the loop while the permission lasts, and only then.
    expect(access.permission(CALLER, target)).toBe('send');
    const later = new DirectorySipAccess(server.services.directory, { accounts: {}, callers: { [CALLER]: { pin: '1357', user: 'bob', role: 'ground', talk: 'voice' } } }, () => (now + 3601) * 1000);
    expect(later.permission(CALLER, target)).toBe('recv');
  });

  it('lists permissions for the admin (no role) and for a role that sees the loop', async () => {
    expect((await alice.ok('list_call_permissions')).permissions).toEqual([permission]);
    expect((await bob.ok('list_call_permissions')).permissions).toEqual([permission]);
  });

  it('refuses operators that are not admins, unknown loops and malformed permissions (field paths)', async () => {
    expect((await bob.request('permit_call', permission)).error?.code).toBe(5000);
    expect((await alice.request('permit_call', { ...permission, loop: 'no-such-loop' })).error?.code).toBe(5000);
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [{ loop: 'loop2' }, ['caller']],
      [{ ...permission, valid_until: permission.valid_from - 1 }, ['valid_until']],
      [{ ...permission, caller: '1234@evil.example' }, ['caller']],
      [{ ...permission, valid_from: Date.now() }, ['valid_from']], // milliseconds, not seconds
    ];
    for (const [parameter, field] of cases) {
      const error = (await alice.request('permit_call', parameter)).error;
      expect([error?.code, error?.field], JSON.stringify(parameter)).toEqual([1008, field]);
    }
    expect(await whitelistOnDisk('loop2')).toEqual([permission]);
  });

  it('a callee permission lets the loop talkers call that number', async () => {
    // ground may talk on loop1 but is not in its sip.callout.
    expect((await bob.request('call', { loop: 'loop1', destination: '3003' })).error?.code).toBe(5004);
    await alice.ok('permit_call', { callee: '3003', loop: 'loop1' });
    const placed = await bob.ok('call', { loop: 'loop1', destination: '3003' });
    expect(placed).toMatchObject({ loop: 'loop1', caller: 'bob', callee: '3003' });
    // Only that number.
    expect((await bob.request('call', { loop: 'loop1', destination: '3004' })).error?.code).toBe(5004);
    server.services.telephony?.hangup(placed['call-id'] as string);
  });

  it('revoke_call without times removes the matching permissions and broadcasts revoke', async () => {
    expect(await alice.ok('revoke_call', { caller: CALLER, loop: 'loop2' })).toEqual({});
    expect(await whitelistOnDisk('loop2')).toEqual([]);
    const pushed = await bob.waitFor((m) => m.event === 'revoke');
    expect(pushed.parameter).toMatchObject({ caller: CALLER, loop: 'loop2' });
    await alice.ok('revoke_call', { callee: '3003', loop: 'loop1' });
    expect((await alice.ok('list_call_permissions')).permissions).toEqual([]);
    expect((await bob.request('call', { loop: 'loop1', destination: '3003' })).error?.code).toBe(5004);
  });

  it('list_sip_status answers admins', async () => {
    expect((await alice.ok('list_sip_status')).status).toMatchObject({ connected: true, transports: ['udp', 'tcp'], outbound: true });
    expect((await bob.request('list_sip_status')).error?.code).toBe(5000);
  });

  it('list_calls and hangup work for an admin without a role; operators without one are refused', async () => {
    expect(await alice.ok('list_calls')).toEqual({ calls: [] });
    expect((await alice.request('hangup', { call: 'nope', loop: 'loop1' })).error?.code).toBe(5004);
    const carol = await ProtocolClient.connect(server.apiUrl);
    try {
      await carol.loginAs('carol', 'carol');
      expect((await carol.request('list_calls')).error?.code).toBe(5000);
    } finally {
      carol.close();
    }
  });
});
