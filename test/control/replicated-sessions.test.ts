// Login sessions shared between backends (JetStream KV on a 3-node NATS cluster): a client that logged in
// on backend A resumes its login with the session id on backend B; a made-up id and an expired session
// are refused there. And the pure parts: key codec, decoding on receipt, SessionStore over a durable value.
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from 'nats';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoopcast, type RunningLoopcast } from '../../src/app.js';
import { resolveConfig } from '../../src/config/config.js';
import { connectNats } from '../../src/control/nats/connection.js';
import { ReplicatedDirectoryStore } from '../../src/control/nats/replicated-directory.js';
import { decodeSession, digestOf, ReplicatedSessions, SESSIONS_BUCKET, SESSIONS_MAX_AGE_MS, sessionKey } from '../../src/control/nats/replicated-sessions.js';
import type { DurableValue } from '../../src/directory/durable-state.js';
import { SESSION_LIFETIME_MS, sessionDigest, SessionStore, type Sessions } from '../../src/directory/session-store.js';
import { startNatsCluster, type NatsCluster } from '../support/nats-cluster.js';
import { ProtocolClient } from '../support/protocol-client.js';
import { copyFixture } from '../support/server.js';
import { until } from '../support/until.js';

const bytes = (value: unknown): Uint8Array => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

/** A durable value in memory, copying the top level per update like the replicated one. */
class MemoryDurable implements DurableValue<Sessions> {
  value = Object.create(null) as Sessions;
  update(apply: (draft: Sessions) => void): Promise<void> {
    const draft = Object.assign(Object.create(null) as Sessions, this.value);
    apply(draft);
    this.value = draft;
    return Promise.resolve();
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
}

describe('pure parts', () => {
  it('maps a digest to its key and back, and refuses keys that are not a session digest', () => {
    const digest = sessionDigest('some-session-id');
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(sessionKey(digest)).toBe(`session.${digest}`);
    expect(digestOf(sessionKey(digest))).toBe(digest);
    for (const key of ['session.', `user.${digest}`, `session.${digest.toUpperCase()}`, `session.${digest}0`, 'session.__proto__', `session.${digest.slice(1)}`]) expect(digestOf(key)).toBeUndefined();
  });

  it('decodes a received session only when well-formed and not expired, keeping only the known fields', () => {
    const now = 1_000_000;
    expect(decodeSession(bytes({ user: 'bob', client: 'c1', expires: now + 1, extra: 'x' }), now)).toEqual({ user: 'bob', client: 'c1', expires: now + 1 });
    expect(decodeSession(bytes({ user: 'bob', client: 'c1', expires: now }), now)).toBeUndefined();
    expect(decodeSession(bytes({ user: 'bob', client: 'c1', expires: now - 5 }), now)).toBeUndefined();
    expect(decodeSession(bytes({ user: 'bob', expires: now + 1 }), now)).toBeUndefined();
    expect(decodeSession(bytes({ user: 1, client: 'c1', expires: now + 1 }), now)).toBeUndefined();
    expect(decodeSession(bytes({ user: 'bob', client: 'c1', expires: 'later' }), now)).toBeUndefined();
    expect(decodeSession(bytes('{"user":'), now)).toBeUndefined();
    expect(decodeSession(bytes('null'), now)).toBeUndefined();
    expect(decodeSession(Buffer.from([0xff, 0xfe]), now)).toBeUndefined();
  });

  it('lets keys live a little longer than a session (renewals rewrite them)', () => {
    expect(SESSIONS_MAX_AGE_MS).toBeGreaterThan(SESSION_LIFETIME_MS);
    expect(SESSIONS_MAX_AGE_MS).toBeLessThanOrEqual(2 * SESSION_LIFETIME_MS);
  });

  it('SessionStore.over writes copy-on-write (changed records replaced) and drops expired sessions on create', async () => {
    let now = 0;
    const durable = new MemoryDurable();
    const store = SessionStore.over(durable, () => now);
    const old = await store.create('bob', 'c1');
    expect(store.find(old, 'bob', 'c1')).toBeDefined();
    expect(Object.keys(durable.value)).toEqual([sessionDigest(old)]);
    const before = durable.value[sessionDigest(old)];
    now = 10;
    await store.renew(old);
    expect(durable.value[sessionDigest(old)]).not.toBe(before);
    expect(before?.expires).toBe(SESSION_LIFETIME_MS);
    expect(durable.value[sessionDigest(old)]?.expires).toBe(10 + SESSION_LIFETIME_MS);
    now = 20 + SESSION_LIFETIME_MS;
    expect(store.find(old, 'bob', 'c1')).toBeUndefined();
    const fresh = await store.create('alice', 'c2');
    expect(Object.keys(durable.value)).toEqual([sessionDigest(fresh)]);
    expect(store.find('made-up', 'alice')).toBeUndefined();
    expect(store.find(fresh, 'bob')).toBeUndefined();
    await store.revoke(fresh);
    expect(Object.keys(durable.value)).toEqual([]);
  });
});

describe('two backends on one cluster', () => {
  let cluster: NatsCluster;
  const backends: RunningLoopcast[] = [];
  const connections: NatsConnection[] = [];
  const dbs: string[] = [];
  const clients: ProtocolClient[] = [];
  const replicas: ReplicatedSessions[] = [];

  async function startBackend(node: number): Promise<{ app: RunningLoopcast; sessions: ReplicatedSessions; connection: NatsConnection }> {
    const db = await copyFixture();
    dbs.push(db);
    const connection = await connectNats({ servers: [cluster.urls[node]!, ...cluster.urls], user: cluster.user, password: cluster.password, name: `backend-${node}` });
    connections.push(connection);
    const directoryStore = await ReplicatedDirectoryStore.open(connection, { replicas: 3, seedRoot: db });
    const sessions = await ReplicatedSessions.open(connection, { replicas: 3 });
    replicas.push(sessions);
    const config = resolveConfig({ dataDir: join(tmpdir(), `loopcast-test-tls-${process.pid}`), db, host: '127.0.0.1', port: 0, demo: false, logLevel: 'silent', media: { enabled: false } });
    const app = await startLoopcast(config, { log: pino({ level: 'silent' }), directoryStore, sessions });
    backends.push(app);
    return { app, sessions, connection };
  }

  async function connect(app: RunningLoopcast, clientId: string): Promise<ProtocolClient> {
    const client = await ProtocolClient.connect(`wss://127.0.0.1:${app.port}/api`, { clientId });
    clients.push(client);
    return client;
  }

  let a: Awaited<ReturnType<typeof startBackend>>;
  let b: Awaited<ReturnType<typeof startBackend>>;

  beforeAll(async () => {
    cluster = await startNatsCluster({ nodes: 3 });
    a = await startBackend(0);
    b = await startBackend(1);
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    for (const backend of backends) await backend.close().catch(() => undefined);
    for (const r of replicas) r.close();
    for (const c of connections) await c.close();
    await cluster?.stop();
    for (const db of dbs) await rm(db, { recursive: true, force: true });
  });

  it('a client logged in on backend A resumes its login with the session id on backend B', async () => {
    const onA = await connect(a.app, 'console-1');
    const session = await onA.loginAs('bob', 'bob');
    const lag = await until('the session known on backend B', () => b.sessions.value[sessionDigest(session)] !== undefined, { pollMs: 5 });
    console.log(`session created on backend A → known on backend B after ${lag} ms`);
    onA.close();
    // The id itself is never stored: only its digest is a key of the bucket, which drops keys not renewed.
    const kv = await b.connection.jetstream().views.kv(SESSIONS_BUCKET);
    expect((await kv.status()).ttl).toBe(SESSIONS_MAX_AGE_MS);
    const keys = await kv.keys();
    const stored: string[] = [];
    for await (const key of keys) stored.push(key);
    expect(stored).toContain(sessionKey(sessionDigest(session)));
    expect(stored.join()).not.toContain(session);

    const onB = await connect(b.app, 'console-1');
    const resumed = await onB.ok('login', { user: 'bob', password: session });
    expect(resumed.id).toBe('bob');
    const renewed = String(resumed.session);
    expect(renewed).not.toBe(session);
    expect(await onB.ok('update_login', { user: 'bob', session: renewed })).toMatchObject({ id: 'bob', session: renewed });
    // Resuming used the old id up, on every backend.
    await until('the old session gone and the renewed one known on backend A', () => a.sessions.value[sessionDigest(session)] === undefined && a.sessions.value[sessionDigest(renewed)] !== undefined, { pollMs: 5 });
    const again = await connect(a.app, 'console-1');
    const reply = await again.request('login', { user: 'bob', password: session });
    expect(reply.error?.code).toBe(5000);
  }, 30_000);

  it('a made-up session id is refused on backend B', async () => {
    const onB = await connect(b.app, 'console-2');
    const reply = await onB.request('login', { user: 'bob', password: randomUUID() });
    expect(reply.error?.code).toBe(5000);
    expect(reply.response?.session).toBeUndefined();
  }, 30_000);

  it('an expired session (or a malformed value) in the bucket is refused on backend B; a live one written the same way is accepted', async () => {
    const kv = await a.connection.jetstream().views.kv(SESSIONS_BUCKET);
    const expired = randomUUID();
    const malformed = randomUUID();
    const live = randomUUID();
    await kv.put(sessionKey(sessionDigest(expired)), bytes({ user: 'bob', client: 'console-3', expires: Date.now() - 1000 }));
    await kv.put(sessionKey(sessionDigest(malformed)), bytes({ user: 'bob', client: 'console-3', expires: 'never' }));
    await kv.put(sessionKey(sessionDigest(live)), bytes({ user: 'bob', client: 'console-3', expires: Date.now() + 60_000 }));
    // The watch delivers in order: once the live one is there, the other two were seen and ignored.
    await until('the live session known on backend B', () => b.sessions.value[sessionDigest(live)] !== undefined, { pollMs: 5 });
    expect(b.sessions.value[sessionDigest(expired)]).toBeUndefined();
    expect(b.sessions.value[sessionDigest(malformed)]).toBeUndefined();

    const onB = await connect(b.app, 'console-3');
    for (const id of [expired, malformed]) {
      const reply = await onB.request('login', { user: 'bob', password: id });
      expect(reply.error?.code).toBe(5000);
    }
    expect((await onB.ok('login', { user: 'bob', password: live })).id).toBe('bob');
  }, 30_000);
});
