// Issue 9, class 4 (fair share under load): a slow reader is dropped instead of growing the server's
// memory, a socket must log in before a deadline, one address may hold only so many sockets before
// login, and per-user caps on sockets, media sessions and stored sessions (docs/operations.md "Limits").
import { afterEach, describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import type { MediaControl, MediaSession } from '../../src/media/control.js';
import { getHealth, RawSocket } from '../support/fuzz-tools.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { until } from '../support/until.js';

const servers: TestServer[] = [];
const sockets: RawSocket[] = [];
let counter = 0;
const uuid = (): string => `fs-${++counter}`;

async function serverWith(limits: Record<string, number>, media?: MediaControl): Promise<TestServer> {
  const server = await startTestServer({ config: { limits }, ...(media ? { media } : {}) });
  servers.push(server);
  return server;
}

async function connect(server: TestServer, options: { localAddress?: string; clientId?: string } = {}): Promise<RawSocket> {
  const socket = await RawSocket.connect(server.apiUrl, options);
  sockets.push(socket);
  return socket;
}

async function loggedIn(server: TestServer, user: string, role?: string, options: { localAddress?: string; clientId?: string } = {}): Promise<RawSocket> {
  const socket = await connect(server, options);
  const reply = await socket.request('login', { user, password: user }, uuid());
  expect(reply.error, JSON.stringify(reply.error)).toBeUndefined();
  if (role) expect((await socket.request('authorize', { role }, uuid())).error).toBeUndefined();
  return socket;
}

afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

describe('slow readers', () => {
  // Regression: replies queued without bound in the server's memory for a client that never read.
  it('drops a socket that does not read once 256 KiB are queued for it; others stay served', async () => {
    const server = await serverWith({ maxBufferedBytes: 256 * 1024 });
    const witness = await loggedIn(server, 'bob', 'ground');
    // 50 KiB of user data: every get_user_data (a 100-byte request) is answered with all of it.
    const slow = await loggedIn(server, 'alice');
    const stored = await slow.request('set_user_data', { a: 'x'.repeat(25 * 1024), b: 'y'.repeat(25 * 1024) }, uuid());
    expect(stored.error, JSON.stringify(stored.error)).toBeUndefined();
    // Stop reading: TCP fills up, then the server's send queue grows.
    (slow.ws as unknown as { _socket: Socket })._socket.pause();
    let sent = 0;
    // Requests at the rate limit (50/s) for at most 30 s: 2.5 MB/s of replies.
    await until(
      'the slow reader to be dropped',
      async () => {
        for (let i = 0; i < 5; i++) slow.sendText(JSON.stringify({ event: 'get_user_data', uuid: `slow-${sent++}`, type: 'unicast', parameter: {} }));
        await new Promise((resolve) => setTimeout(resolve, 100));
        return server.services.hub.socketsOfUser('alice').length === 0;
      },
      { timeoutMs: 30_000, pollMs: 50 },
    );
    expect(sent).toBeLessThan(1_500);
    expect((await witness.request('ping', {}, uuid())).error).toBeUndefined();
    expect((await getHealth(server.port)).body.connections).toBe(1);
  });
});

describe('login deadline and anonymous sockets', () => {
  // Regression: a socket could stay connected without ever logging in.
  it('closes a socket that has not logged in after loginTimeoutMs with 1008; logged-in sockets stay', async () => {
    const server = await serverWith({ loginTimeoutMs: 1_000 });
    const idle = await connect(server);
    const busy = await connect(server);
    expect((await busy.request('register', {}, uuid())).error).toBeUndefined();
    const user = await loggedIn(server, 'bob');
    await until('the deadline', () => idle.closeCode !== undefined && busy.closeCode !== undefined, { pollMs: 50 });
    expect(idle.closeCode).toBe(1008);
    expect(busy.closeCode).toBe(1008);
    expect((await user.request('ping', {}, uuid())).error).toBeUndefined();
    expect(user.closeCode).toBeUndefined();
  });

  // Regression: one address could open any number of sockets that never log in.
  it('closes sockets before login beyond maxAnonymousPerAddress with 1013, per address', async () => {
    const server = await serverWith({ maxAnonymousPerAddress: 3 });
    const first = [await connect(server), await connect(server), await connect(server)];
    const fourth = await connect(server);
    await until('the fourth socket to close', () => fourth.closeCode !== undefined, { pollMs: 50 });
    expect(fourth.closeCode).toBe(1013);
    // Another address is not affected, nor are the first three.
    const other = await connect(server, { localAddress: '127.0.0.2' });
    expect((await other.request('ping', {}, uuid())).error).toBeUndefined();
    for (const s of first) expect((await s.request('ping', {}, uuid())).error).toBeUndefined();
    // Once one of them logs in, the address has room again.
    expect((await first[0]?.request('login', { user: 'bob', password: 'bob' }, uuid()))?.error).toBeUndefined();
    const fifth = await connect(server);
    expect((await fifth.request('ping', {}, uuid())).error).toBeUndefined();
  });
});

describe('per-user caps', () => {
  // Regression: a user could hold any number of logged-in sockets.
  it('answers a login beyond maxSocketsPerUser with 10011; other users are not affected', async () => {
    const server = await serverWith({ maxSocketsPerUser: 2 });
    await loggedIn(server, 'alice');
    const second = await loggedIn(server, 'alice');
    const third = await connect(server);
    const refused = await third.request('login', { user: 'alice', password: 'alice' }, uuid());
    expect(refused.error).toMatchObject({ code: 10011 });
    await loggedIn(server, 'bob');
    // A socket freed is a socket available.
    second.close();
    await until('the socket to go', () => server.services.hub.socketsOfUser('alice').length === 1, { pollMs: 50 });
    expect((await third.request('login', { user: 'alice', password: 'alice' }, uuid())).error).toBeUndefined();
  });

  /** A media plane with unlimited capacity: what is refused is the per-user cap. */
  const unlimitedMedia = (): MediaControl => ({
    openSession: (): MediaSession => {
      let closed = false;
      return {
        offer: () => Promise.resolve('v=0\r\n'),
        answer: () => Promise.resolve(),
        addCandidate: () => undefined,
        endOfCandidates: () => undefined,
        setLoop: () => undefined,
        setTalking: () => undefined,
        on: () => undefined,
        stats: () => ({ connected: !closed, packetsIn: 0, packetsOut: 0, uplinkLoss: 0, uplinkJitterMs: 0 }),
        close: () => {
          closed = true;
        },
      };
    },
    onVoiceActivity: () => undefined,
    close: () => Promise.resolve(),
  });

  // Regression: one account could take all media capacity.
  it('answers a media request beyond maxMediaSessionsPerUser with 10012; other users are not affected', async () => {
    const server = await serverWith({ maxMediaSessionsPerUser: 2 }, unlimitedMedia());
    const alice = [await loggedIn(server, 'alice', 'flight'), await loggedIn(server, 'alice', 'flight'), await loggedIn(server, 'alice', 'flight')];
    expect((await alice[0]?.request('media', { type: 'request' }, uuid()))?.error).toBeUndefined();
    expect((await alice[1]?.request('media', { type: 'request' }, uuid()))?.error).toBeUndefined();
    // Renewing one's own session is not an extra one.
    expect((await alice[1]?.request('media', { type: 'request' }, uuid()))?.error).toBeUndefined();
    expect((await alice[2]?.request('media', { type: 'request' }, uuid()))?.error).toMatchObject({ code: 10012 });
    const bob = await loggedIn(server, 'bob', 'ground');
    expect((await bob.request('media', { type: 'request' }, uuid())).error).toBeUndefined();
    alice[0]?.close();
    await until('the socket to go', () => server.services.hub.socketsOfUser('alice').length === 2, { pollMs: 50 });
    expect((await alice[2]?.request('media', { type: 'request' }, uuid()))?.error).toBeUndefined();
  });

  // Regression: every login added a stored session, without bound.
  it('keeps at most maxStoredSessionsPerUser sessions per user, dropping the oldest', async () => {
    const server = await serverWith({ maxStoredSessionsPerUser: 2 });
    const issued: Array<{ client: string; session: string }> = [];
    for (let i = 0; i < 3; i++) {
      const client = `stored-${i}`;
      const socket = await connect(server, { clientId: client });
      const reply = await socket.request('login', { user: 'carol', password: 'carol' }, uuid());
      issued.push({ client, session: String(reply.response.session) });
      socket.close();
    }
    const resume = async ({ client, session }: { client: string; session: string }): Promise<number | undefined> => {
      const socket = await connect(server, { clientId: client });
      return (await socket.request('login', { user: 'carol', password: session }, uuid())).error?.code;
    };
    expect(await resume(issued[0] as { client: string; session: string })).toBe(5000);
    expect(await resume(issued[2] as { client: string; session: string })).toBeUndefined();
  });
});
