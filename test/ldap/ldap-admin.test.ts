// The console's LDAP page against a real slapd: admin_ldap_settings shows the configured directory
// without the service account's password; admin_ldap_test binds as a user without logging in or
// provisioning and answers the mapped roles or why not; neither answers non-admins; the audit log
// names the tested user, never the password.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/directory/passwords.js';
import { ProtocolClient } from '../support/protocol-client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { BASE, startSlapd, type Slapd } from './slapd.js';

const PROJECT = 'mcc@127.0.0.1';
const search = { bindDn: `cn=reader,${BASE}`, bindPassword: 'reader-pw', base: `ou=people,${BASE}` };

let slapd: Slapd;
let server: TestServer;
let alice: ProtocolClient; // project admin
let bob: ProtocolClient; // operator

beforeAll(async () => {
  slapd = await startSlapd();
  server = await startTestServer({
    config: { ldap: { url: slapd.url, search, groups: { base: `ou=groups,${BASE}` }, projects: [{ project: PROJECT, roles: { 'flight-directors': ['flight'], ground: ['ground'] } }] } },
  });
  alice = await ProtocolClient.connect(server.apiUrl);
  await alice.loginAs('alice', 'alice');
  bob = await ProtocolClient.connect(server.apiUrl);
  await bob.loginAs('bob', 'bob', 'ground');
}, 30_000);

afterAll(async () => {
  alice.close();
  bob.close();
  await server.stop();
  await slapd.remove();
});

describe('LDAP in the admin console', () => {
  it('shows the settings without the service password', async () => {
    const reply = await alice.request('admin_ldap_settings');
    expect(reply.response).toMatchObject({ enabled: true, url: slapd.url, search: { bindDn: search.bindDn, base: search.base, filter: '(uid={user})' }, projects: [{ project: PROJECT }] });
    expect(JSON.stringify(reply.response)).not.toContain('reader-pw');
  });

  it('test login answers the mapped roles without logging in or provisioning', async () => {
    expect(server.services.directory.findUser('grace')).toBeUndefined();
    const ok = await alice.ok('admin_ldap_test', { user: 'grace', password: 'grace-pw' });
    expect(ok).toMatchObject({ result: 'ok', dn: `uid=grace,ou=people,${BASE}`, project: PROJECT, roles: ['flight', 'ground'] });
    expect(server.services.directory.findUser('grace')).toBeUndefined();
    expect(await alice.ok('admin_ldap_test', { user: 'grace', password: 'wrong' })).toMatchObject({ result: 'refused' });
    expect(await alice.ok('admin_ldap_test', { user: 'linus', password: 'linus-pw' })).toMatchObject({ result: 'unmapped', groups: [] });
    expect(await alice.ok('admin_ldap_test', { user: '*', password: 'grace-pw' })).toMatchObject({ result: 'refused' });
  });

  it('says clearly when the directory is down', async () => {
    await slapd.stop();
    try {
      const down = await alice.ok('admin_ldap_test', { user: 'ada', password: 'ada-pw' });
      expect(down.result).toBe('unavailable');
      expect(down.message).toMatch(/cannot be asked/);
    } finally {
      await slapd.start();
    }
    expect(await alice.ok('admin_ldap_test', { user: 'ada', password: 'ada-pw' })).toMatchObject({ result: 'ok', roles: ['flight'] });
  });

  it('counts refused tests for the login throttle, like logins', async () => {
    // 5 failures are free (docs/protocol.md "login"); the 6th locks the user out for a while.
    for (let i = 0; i < 6; i++) expect(await alice.ok('admin_ldap_test', { user: 'ada', password: `guess-${i}` })).toMatchObject({ result: 'refused' });
    const throttled = (await alice.request('admin_ldap_test', { user: 'ada', password: 'ada-pw' })).error;
    expect(throttled?.name).toBe('loginThrottled');
    // Other users are not affected.
    expect(await alice.ok('admin_ldap_test', { user: 'grace', password: 'grace-pw' })).toMatchObject({ result: 'ok' });
  });

  it('answers admins only, and the audit log names the user but not the password', async () => {
    expect((await bob.request('admin_ldap_test', { user: 'ada', password: 'ada-pw' })).error?.code).toBe(5000);
    expect((await bob.request('admin_ldap_settings')).error?.code).toBe(5000);
    const { entries } = (await alice.ok('admin_audit', { limit: 20 })) as { entries: Array<{ event: string; summary: string }> };
    const tests = entries.filter((e) => e.event === 'admin_ldap_test');
    expect(tests.length).toBeGreaterThanOrEqual(5);
    expect(tests.some((e) => e.summary.includes('user grace'))).toBe(true);
    expect(JSON.stringify(entries)).not.toMatch(/grace-pw|ada-pw/);
  });
});

describe('tenants', () => {
  it("another domain's admin sees neither this tenant's role mapping nor its roles in a test", async () => {
    await server.services.directory.addDomain({ id: 'other-domain', users: { erin: { id: 'erin', password: await hashPassword('erin-password') } }, roles: { admin: { id: 'admin', users: { erin: null } } }, loops: {} });
    const erin = await ProtocolClient.connect(server.apiUrl);
    try {
      await erin.loginAs('erin', 'erin-password');
      const settings = await erin.ok('admin_ldap_settings');
      expect(settings).toMatchObject({ enabled: true, projects: [] });
      expect(JSON.stringify(settings)).not.toContain(PROJECT);
      const probe = await erin.ok('admin_ldap_test', { user: 'grace', password: 'grace-pw' });
      expect(probe.result).toBe('ok');
      expect(probe.roles).toBeUndefined();
      expect(JSON.stringify(probe)).not.toContain(PROJECT);
    } finally {
      erin.close();
    }
  });
});

describe('without LDAP', () => {
  it('says it is not configured', async () => {
    const plain = await startTestServer();
    const client = await ProtocolClient.connect(plain.apiUrl);
    try {
      await client.loginAs('alice', 'alice');
      expect(await client.ok('admin_ldap_settings')).toEqual({ enabled: false });
      expect(await client.ok('admin_ldap_test', { user: 'x', password: 'secret-123' })).toMatchObject({ result: 'disabled' });
    } finally {
      client.close();
      await plain.stop();
    }
  });
});
