// `get {type:"domain"}` carries the domain's projects as openvocs keeps them (result.projects[<id>] with
// users, roles and loops): the openvocs admin client's recorder and config pages take a project's loops from
// there. Only for those who may read the domain; never a password.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolClient } from '../support/protocol-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const DOMAIN = '127.0.0.1';
const PROJECT = 'mcc@127.0.0.1';

describe('get of a domain', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
    await rm(server.db, { recursive: true, force: true });
  });

  it("lists the domain's projects with their loops, roles and users, without passwords", async () => {
    const admin = await ProtocolClient.connect(server.apiUrl);
    try {
      await admin.loginAs('admin', 'admin');
      await admin.ok('create', { type: 'project', id: 'ops@127.0.0.1', scope: { type: 'domain', id: DOMAIN } });
      const reply = await admin.ok('get', { type: 'domain', id: DOMAIN });
      const result = reply.result as { id: string; projects: Record<string, { id: string; loops: Record<string, { recorded?: boolean }>; roles: object; users: Record<string, object> }> };
      expect(result.id).toBe(DOMAIN);
      expect(Object.keys(result.projects).sort()).toEqual([PROJECT, 'ops@127.0.0.1']);
      const mcc = result.projects[PROJECT]!;
      // What the openvocs admin client reads: `domain.projects[project].loops` (views/config/js/view.js).
      expect(Object.keys(mcc.loops).sort()).toEqual(['loop1', 'loop2', 'loop3', 'loop4']);
      expect(Object.keys(mcc.roles)).toContain('flight');
      expect(Object.keys(mcc.users).sort()).toEqual(['alice', 'bob', 'carol']);
      expect(JSON.stringify(reply)).not.toContain('password');
      expect(admin.contractViolations).toEqual([]);
    } finally {
      admin.close();
    }
  });

  it('stays refused to a project admin (the domain is not in their scope)', async () => {
    const alice = await ProtocolClient.connect(server.apiUrl);
    try {
      await alice.loginAs('alice', 'alice');
      const reply = await alice.request('get', { type: 'domain', id: DOMAIN });
      expect(reply.error?.code).toBe(5000);
      expect(JSON.stringify(reply)).not.toContain('loop1');
    } finally {
      alice.close();
    }
  });
});
