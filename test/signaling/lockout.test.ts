// Issue 9, class 5 (lockout is not a weapon): an attacker's failed logins do not lock the real user
// out, a valid session resume always works, a password change or user deletion ends that user's
// sessions and sockets, and a client id bound to another user's live socket is refused.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RawSocket } from '../support/fuzz-tools.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { until } from '../support/until.js';

let server: TestServer;
const sockets: RawSocket[] = [];
let counter = 0;
const uuid = (): string => `lo-${++counter}`;

async function connect(options: { localAddress?: string; clientId?: string } = {}): Promise<RawSocket> {
  const socket = await RawSocket.connect(server.apiUrl, options);
  sockets.push(socket);
  return socket;
}

async function login(user: string, password: string, options: { localAddress?: string; clientId?: string } = {}) {
  const socket = await connect(options);
  const reply = await socket.request('login', { user, password }, uuid());
  return { socket, reply, session: String(reply.response.session) };
}

beforeEach(async () => {
  server = await startTestServer();
});

afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await server.stop();
});

describe('throttling per (user, address)', () => {
  // Regression: failures were counted per user name, so anyone could lock any user out everywhere.
  it("an attacker's failures from another address lock only the attacker", async () => {
    const attacker = await connect({ localAddress: '127.0.0.66' });
    for (let i = 0; i < 10; i++) expect((await attacker.request('login', { user: 'carol', password: `guess-${i}` }, uuid())).error?.code).toBe(5000);
    const locked = await attacker.request('login', { user: 'carol', password: 'carol' }, uuid());
    expect(locked.error?.description).toMatch(/too many failed logins/);
    const real = await login('carol', 'carol', { localAddress: '127.0.0.1' });
    expect(real.reply.error).toBeUndefined();
  });

  // Regression: the throttle was checked before the session, so a locked user could not even resume.
  it('a valid session resume works while (user, address) is locked', async () => {
    const first = await login('alice', 'alice', { localAddress: '127.0.0.3', clientId: 'alice-keyset' });
    expect(first.reply.error).toBeUndefined();
    first.socket.close();
    const attacker = await connect({ localAddress: '127.0.0.3' });
    for (let i = 0; i < 8; i++) await attacker.request('login', { user: 'alice', password: `guess-${i}` }, uuid());
    expect((await attacker.request('login', { user: 'alice', password: 'alice' }, uuid())).error?.description).toMatch(/too many failed logins/);
    const resumed = await login('alice', first.session, { localAddress: '127.0.0.3', clientId: 'alice-keyset' });
    expect(resumed.reply.error, JSON.stringify(resumed.reply.error)).toBeUndefined();
    expect(resumed.reply.response.id).toBe('alice');
  });
});

describe('credentials changes end logins', () => {
  // Regression: sockets and sessions of a user survived an admin's password change.
  it('an admin password change closes the user\'s sockets (4001) and revokes the sessions', async () => {
    const a = await login('carol', 'carol', { clientId: 'carol-a' });
    const b = await login('carol', 'carol', { clientId: 'carol-b' });
    const admin = await login('alice', 'alice');
    expect((await admin.socket.request('update_password', { user: 'carol', password: 'carol-new-password' }, uuid())).error).toBeUndefined();
    await until('carol\'s sockets to close', () => a.socket.closeCode !== undefined && b.socket.closeCode !== undefined, { pollMs: 25 });
    expect([a.socket.closeCode, b.socket.closeCode]).toEqual([4001, 4001]);
    expect((await login('carol', a.session, { clientId: 'carol-a' })).reply.error?.code).toBe(5000);
    expect((await login('carol', 'carol-new-password')).reply.error).toBeUndefined();
    expect(admin.socket.closeCode).toBeUndefined();
  });

  it('changing one\'s own password keeps that socket and session, ends the others', async () => {
    const mine = await login('bob', 'bob', { clientId: 'bob-here' });
    const other = await login('bob', 'bob', { clientId: 'bob-there' });
    expect((await mine.socket.request('update_password', { user: 'bob', password: 'bob-new-password' }, uuid())).error).toBeUndefined();
    await until('the other socket to close', () => other.socket.closeCode !== undefined, { pollMs: 25 });
    expect(other.socket.closeCode).toBe(4001);
    expect((await mine.socket.request('ping', {}, uuid())).error).toBeUndefined();
    expect((await login('bob', other.session, { clientId: 'bob-there' })).reply.error?.code).toBe(5000);
    mine.socket.close();
    expect((await login('bob', mine.session, { clientId: 'bob-here' })).reply.error).toBeUndefined();
  });

  it('deleting a user closes their sockets and revokes their sessions', async () => {
    const carol = await login('carol', 'carol', { clientId: 'carol-x' });
    const admin = await login('alice', 'alice');
    expect((await admin.socket.request('delete', { type: 'user', id: 'carol' }, uuid())).error).toBeUndefined();
    await until('carol\'s socket to close', () => carol.socket.closeCode !== undefined, { pollMs: 25 });
    expect((await login('carol', carol.session, { clientId: 'carol-x' })).reply.error?.code).toBe(5000);
  });
});

describe('client ids', () => {
  // Regression: a second user could log in with the client id of another user's live socket.
  it('refuses a client id bound to another user\'s live socket, allows it once that socket is gone', async () => {
    const alice = await login('alice', 'alice', { clientId: 'desk-7' });
    expect(alice.reply.error).toBeUndefined();
    const bob = await login('bob', 'bob', { clientId: 'desk-7' });
    expect(bob.reply.error).toMatchObject({ code: 5000, description: 'client id is in use by another user' });
    // The same user may reconnect with it (a reload before the old socket is gone).
    expect((await login('alice', 'alice', { clientId: 'desk-7' })).reply.error).toBeUndefined();
    for (const s of sockets.filter((s) => s.clientId === 'desk-7')) s.close();
    await until('alice\'s sockets to go', () => server.services.hub.socketsOfUser('alice').length === 0, { pollMs: 25 });
    expect((await login('bob', 'bob', { clientId: 'desk-7' })).reply.error).toBeUndefined();
  });
});
