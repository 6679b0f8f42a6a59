// Login of directory users against a real slapd (test/ldap/slapd.ts) through the protocol.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LDAP_UNAVAILABLE } from '../../src/auth/ldap/index.js';
import type { ConfigInput } from '../../src/config/config.js';
import { ProtocolClient } from '../support/protocol-client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { BASE, startSlapd, type Slapd } from './slapd.js';

const PROJECT = 'mcc@127.0.0.1';
const mapping = [{ project: PROJECT, roles: { 'flight-directors': ['flight'], ground: ['ground'] } }];
const groups = { base: `ou=groups,${BASE}` };

let slapd: Slapd;
beforeAll(async () => {
  slapd = await startSlapd();
}, 30_000);
afterAll(async () => {
  await slapd.remove();
});

async function withServer(ldap: NonNullable<ConfigInput['ldap']>, body: (server: TestServer) => Promise<void>): Promise<void> {
  const server = await startTestServer({ config: { ldap } });
  try {
    await body(server);
  } finally {
    await server.stop();
  }
}

async function roleIds(client: ProtocolClient): Promise<string[]> {
  const { roles } = await client.ok('user_roles');
  return Object.keys(roles as object).sort();
}

async function login(server: TestServer, user: string, password: string) {
  const client = await ProtocolClient.connect(server.apiUrl);
  const reply = await client.request('login', { user, password });
  return { client, reply };
}

describe('LDAP login (DN template, groups → roles)', () => {
  const config = { url: '', userDn: `uid={user},ou=people,${BASE}`, groups, projects: mapping };

  it('logs directory users in with their mapped roles, refuses wrong passwords and unmapped users', async () => {
    await withServer({ ...config, url: slapd.url }, async (server) => {
      const ada = await login(server, 'ada', 'ada-pw');
      expect(ada.reply.error).toBeUndefined();
      expect(await roleIds(ada.client)).toEqual(['flight']);
      const user = await ada.client.ok('get', { type: 'user', id: 'ada' });
      expect(user.result).toMatchObject({ id: 'ada', name: 'Ada Lovelace', domain: { project: PROJECT } });
      await ada.client.ok('authorize', { role: 'flight' });
      ada.client.close();

      const grace = await login(server, 'grace', 'grace-pw');
      expect(await roleIds(grace.client)).toEqual(['flight', 'ground']);
      grace.client.close();

      for (const [user, password] of [['ada', 'wrong'], ['nobody', 'x'], ['linus', 'linus-pw'], ['*', 'ada-pw'], ['ada,ou=people', 'ada-pw']] as const) {
        const refused = await login(server, user, password);
        expect(refused.reply.error?.code, `${user}/${password}`).toBe(5000);
        expect(refused.reply.error?.description).toBe('wrong user name or password');
        refused.client.close();
      }
      // Local users with a password are never sent to LDAP.
      const alice = await login(server, 'alice', 'alice');
      expect(alice.reply.error).toBeUndefined();
      alice.client.close();
    });
  });

  it('follows group changes in the directory on the next login', async () => {
    await withServer({ ...config, url: slapd.url }, async (server) => {
      const first = await login(server, 'grace', 'grace-pw');
      expect(await roleIds(first.client)).toEqual(['flight', 'ground']);
      first.client.close();
      const change = `dn: cn=ground,ou=groups,${BASE}\nchangetype: modify\ndelete: member\nmember: uid=grace,ou=people,${BASE}\n`;
      const modify = spawnSync('ldapmodify', ['-x', '-H', slapd.url, '-D', `cn=admin,${BASE}`, '-w', 'admin-pw'], { input: change, encoding: 'utf8' });
      expect(modify.status, modify.stderr).toBe(0);
      try {
        const second = await login(server, 'grace', 'grace-pw');
        expect(await roleIds(second.client)).toEqual(['flight']);
        second.client.close();
      } finally {
        const restore = change.replace('delete: member', 'add: member');
        spawnSync('ldapmodify', ['-x', '-H', slapd.url, '-D', `cn=admin,${BASE}`, '-w', 'admin-pw'], { input: restore, encoding: 'utf8' });
      }
    });
  });

  it('answers a clear error while the directory is down; the local admin still logs in', async () => {
    await withServer({ ...config, url: slapd.url, timeoutMs: 2000 }, async (server) => {
      await slapd.stop();
      try {
        const ada = await login(server, 'ada', 'ada-pw');
        expect(ada.reply.error?.code).toBe(5000);
        expect(ada.reply.error?.description).toBe(LDAP_UNAVAILABLE);
        ada.client.close();
        const admin = await login(server, 'admin', 'admin');
        expect(admin.reply.error).toBeUndefined();
        admin.client.close();
      } finally {
        await slapd.start();
      }
      const again = await login(server, 'ada', 'ada-pw');
      expect(again.reply.error).toBeUndefined();
      again.client.close();
    });
  });
});

describe('LDAP login (search with a service account, TLS)', () => {
  const search = { bindDn: `cn=reader,${BASE}`, bindPassword: 'reader-pw', base: `ou=people,${BASE}` };

  it('finds the user by search and binds as that entry', async () => {
    await withServer({ url: slapd.url, search, groups, projects: mapping }, async (server) => {
      const ada = await login(server, 'ada', 'ada-pw');
      expect(ada.reply.error).toBeUndefined();
      expect(await roleIds(ada.client)).toEqual(['flight']);
      ada.client.close();
      const wrong = await login(server, 'ada', 'grace-pw');
      expect(wrong.reply.error?.description).toBe('wrong user name or password');
      wrong.client.close();
    });
  });

  it('speaks ldaps:// with a configured CA and refuses an untrusted certificate as unavailable', async () => {
    await withServer({ url: slapd.ldapsUrl, tls: { ca: slapd.caFile }, search, groups, projects: mapping }, async (server) => {
      const ada = await login(server, 'ada', 'ada-pw');
      expect(ada.reply.error).toBeUndefined();
      ada.client.close();
    });
    await withServer({ url: slapd.ldapsUrl, search, groups, projects: mapping }, async (server) => {
      const ada = await login(server, 'ada', 'ada-pw');
      expect(ada.reply.error?.description).toBe(LDAP_UNAVAILABLE);
      ada.client.close();
    });
  });

  it('upgrades ldap:// with StartTLS', async () => {
    await withServer({ url: slapd.url, startTls: true, tls: { ca: slapd.caFile }, search, groups, projects: mapping }, async (server) => {
      const ada = await login(server, 'ada', 'ada-pw');
      expect(ada.reply.error).toBeUndefined();
      ada.client.close();
    });
  });
});

/** The reply as it was on the wire (the library client keeps only object responses). */
async function wireResponse(client: ProtocolClient): Promise<unknown> {
  const reply = await client.request('is_ldap_enabled');
  expect(reply.error).toBeUndefined();
  return client.received.find((m) => m.uuid === reply.uuid)?.response;
}

describe('is_ldap_enabled', () => {
  it('answers a bare boolean before login: true with LDAP configured, false without', async () => {
    await withServer({ url: slapd.url, userDn: `uid={user},ou=people,${BASE}`, projects: mapping }, async (server) => {
      const client = await ProtocolClient.connect(server.apiUrl);
      expect(await wireResponse(client)).toBe(true);
      client.close();
    });
    const plain = await startTestServer();
    try {
      const client = await ProtocolClient.connect(plain.apiUrl);
      expect(await wireResponse(client)).toBe(false);
      client.close();
    } finally {
      await plain.stop();
    }
  });
});
