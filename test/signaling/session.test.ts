import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolClient } from '../support/protocol-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stop();
});

describe('login, roles and re-login', () => {
  it('logs alice in with her openvocs PBKDF2 password and lists her roles', async () => {
    const alice = await ProtocolClient.connect(server.apiUrl);
    const login = await alice.ok('login', { user: 'alice', password: 'alice' });
    expect(login.id).toBe('alice');
    expect(login.session).toMatch(/^[0-9a-f-]{36}$/);
    const user = await alice.ok('get', { type: 'user', id: 'alice' });
    expect(user).toEqual({ type: 'user', result: { id: 'alice', name: 'Alice', domain: { domain: '127.0.0.1', project: 'mcc@127.0.0.1' } } });
    const roles = await alice.ok('user_roles');
    expect(Object.keys(roles.roles as object).sort()).toEqual(['admin', 'flight', 'ground']);
    alice.close();
  });

  it('re-logs in with the session id for the same client id only, and issues a new one', async () => {
    const first = await ProtocolClient.connect(server.apiUrl);
    const session = await first.loginAs('bob', 'bob');
    first.close();
    const other = await ProtocolClient.connect(server.apiUrl);
    const refused = await other.request('login', { user: 'bob', password: session });
    expect(refused.error?.code).toBe(5000);
    const again = await ProtocolClient.connect(server.apiUrl, { clientId: first.clientId });
    const relogin = await again.ok('login', { user: 'bob', password: session });
    expect(relogin.session).not.toBe(session);
    again.close();
    other.close();
  });
});
