// The talker table (docs/recording.md "Who talks"): SSRC → user and role in a replicated JetStream
// bucket. Pure parts (keys, decoding on receipt) and three processes on a 3-node NATS cluster: an entry
// published by one is seen by the others, withdrawn and closed owners' entries go, a process ignores its
// own, and hostile values written straight into the bucket are dropped and counted, never indexed.
import { EventEmitter } from 'node:events';
import type { NatsConnection } from 'nats';
import type { RegistryEvents, ServiceInfo } from '../../src/control/control-plane.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNats } from '../../src/control/nats/connection.js';
import {
  decodeTalker,
  MAX_TALKER_VALUE_BYTES,
  ReplicatedTalkers,
  ssrcOfName,
  TALKER_LIFETIME_MS,
  TALKER_REFRESH_MS,
  TALKERS_BUCKET,
  TALKERS_MAX_AGE_MS,
  talkerKey,
  talkerName,
  talkerNameOf,
} from '../../src/control/nats/replicated-talkers.js';
import { startNatsCluster, type NatsCluster } from '../support/nats-cluster.js';
import { until } from '../support/until.js';

const bytes = (value: unknown): Uint8Array => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
const good = { user: 'alice', role: 'flight', backend: 'a', owner: 'a-signaling-1', expires: 2_000 };

describe('pure parts', () => {
  it('keys carry the SSRC, the owner and a digest of the session id; other keys are not ours', () => {
    const name = talkerName(0xdeadbeef, 'a-signaling-1', 'ms-0123');
    expect(name).toMatch(/^deadbeef\.a-signaling-1\.[0-9a-f]{16}$/);
    expect(talkerNameOf(talkerKey(name))).toBe(name);
    expect(ssrcOfName(name)).toBe(0xdeadbeef);
    expect(talkerName(1, 'o', 'x')).toMatch(/^00000001\./);
    expect(talkerName(1, 'o', 'x')).not.toBe(talkerName(1, 'o', 'y'));
    for (const key of ['talker.__proto__', 'talker.deadbeef.o', 'talker.DEADBEEF.o.0123456789abcdef', 'talker.deadbee.o.0123456789abcdef', 'talker.deadbeef.o.p.0123456789abcdef', 'user.deadbeef.o.0123456789abcdef', `talker.deadbeef.${'o'.repeat(129)}.0123456789abcdef`]) {
      expect(talkerNameOf(key)).toBeUndefined();
    }
  });

  it('decodes a well-formed entry; refuses wrong types, huge values, reserved names and extra fields; ignores an expired one', () => {
    const now = 1_000;
    expect(decodeTalker(bytes(good), now)).toEqual({ entry: good });
    // `constructor` is an ordinary id (src/protocol/reserved.ts): data, never a member lookup.
    expect(decodeTalker(bytes({ ...good, user: 'constructor', role: 'toString' }), now)).toEqual({ entry: { ...good, user: 'constructor', role: 'toString' } });
    expect(decodeTalker(bytes({ ...good, expires: now }), now)).toEqual({ expired: true });
    const hostile: unknown[] = [
      { ...good, user: '__proto__' },
      { ...good, role: '__proto__' },
      { ...good, user: 42 },
      { ...good, user: ['alice'] },
      { ...good, user: { toString: 'x' } },
      { ...good, user: '' },
      { ...good, user: 'x'.repeat(257) },
      { ...good, backend: 'a.b' },
      { ...good, owner: '../x' },
      { ...good, expires: 'later' },
      { ...good, expires: 1.5 },
      { ...good, extra: 1 },
      { user: 'alice', role: 'flight' },
      JSON.parse('{"__proto__": {"polluted": true}, "user": "a", "role": "r", "backend": "a", "owner": "o", "expires": 5000}'),
      null,
      [],
      'alice',
    ];
    for (const value of hostile) expect(decodeTalker(bytes(value), now), JSON.stringify(value)).toHaveProperty('rejected');
    expect(decodeTalker(bytes('{"user":'), now)).toHaveProperty('rejected');
    expect(decodeTalker(Buffer.from([0xff, 0xfe, 0x00]), now)).toHaveProperty('rejected');
    expect(decodeTalker(bytes({ ...good, role: 'r'.repeat(MAX_TALKER_VALUE_BYTES) }), now)).toEqual({ rejected: expect.stringMatching(/bytes/) as unknown });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps keys a little longer than an entry is believed, and refreshes well before', () => {
    expect(TALKERS_MAX_AGE_MS).toBeGreaterThan(TALKER_LIFETIME_MS);
    expect(TALKER_REFRESH_MS * 2).toBeLessThanOrEqual(TALKER_LIFETIME_MS);
  });
});

describe('three processes on one cluster', () => {
  let cluster: NatsCluster;
  const connections: NatsConnection[] = [];
  const tables: ReplicatedTalkers[] = [];

  /** The registry's up/down events, driven by the test. */
  class Registry {
    readonly events = new EventEmitter();
    on<E extends keyof RegistryEvents>(event: E, listener: RegistryEvents[E]): () => void {
      this.events.on(event, listener);
      return () => this.events.off(event, listener);
    }
    emit(event: keyof RegistryEvents, id: string): void {
      const service: ServiceInfo = { id, kind: 'signaling', backend: 'x', capacity: 1, load: 0 };
      this.events.emit(event, service);
    }
  }

  async function open(owner: string, backend: string, node: number, refreshMs?: number, control?: Registry): Promise<ReplicatedTalkers> {
    const connection = await connectNats({ servers: [cluster.urls[node]!, ...cluster.urls], user: cluster.user, password: cluster.password, name: owner });
    connections.push(connection);
    const table = await ReplicatedTalkers.open(connection, { owner, backend, replicas: 3, ...(refreshMs ? { refreshMs } : {}), ...(control ? { control } : {}) });
    tables.push(table);
    return table;
  }

  beforeAll(async () => {
    cluster = await startNatsCluster({ nodes: 3 });
  }, 30_000);

  afterAll(async () => {
    for (const c of connections) await c.close().catch(() => undefined);
    await cluster?.stop();
  });

  it('publishes, withdraws and removes on close; each process reads only the others', async () => {
    const a = await open('a-signaling-1', 'a', 0);
    const b = await open('b-signaling-1', 'b', 1);
    const reader = await open('b-signaling-2', 'b', 2);
    const changes: number[] = [];
    reader.onChange((ssrc) => changes.push(ssrc));
    const published = Date.now();
    a.publish(0x1234, { connectionId: 'ms-1', user: 'alice', role: 'flight' });
    await until("alice's entry at the reader", () => reader.entries(0x1234).length === 1, { pollMs: 5 });
    console.log(`talker entry published on one process → seen by another: ${Date.now() - published} ms`);
    expect(reader.entries(0x1234)[0]).toMatchObject({ user: 'alice', role: 'flight', backend: 'a', owner: 'a-signaling-1' });
    expect(changes).toContain(0x1234);
    await until("alice's entry at b", () => b.entries(0x1234).length === 1, { pollMs: 5 });
    expect(a.entries(0x1234)).toEqual([]);
    // Same SSRC from another session elsewhere: both are there (TalkerNames does not guess between them).
    b.publish(0x1234, { connectionId: 'c7', user: 'carol', role: 'ground' });
    await until("carol's entry beside alice's at the reader", () => reader.entries(0x1234).length === 2, { pollMs: 5 });
    a.withdraw(0x1234, { connectionId: 'ms-1' });
    await until("alice's entry withdrawn at the reader", () => reader.entries(0x1234).length === 1, { pollMs: 5 });
    expect(reader.entries(0x1234)[0]?.user).toBe('carol');
    await b.close();
    await until("b's entries removed at the reader on close", () => reader.entries(0x1234).length === 0, { pollMs: 5 });
    // A process started later loads what is there.
    a.publish(0x99, { connectionId: 'ms-2', user: 'dave', role: 'flight' });
    await until("dave's entry at the reader", () => reader.entries(0x99).length === 1, { pollMs: 5 });
    const late = await open('c-signaling-1', 'c', 0);
    expect(late.entries(0x99).map((e) => e.user)).toEqual(['dave']);
    expect((await (await connections[0]!.jetstream().views.kv(TALKERS_BUCKET)).status()).ttl).toBe(TALKERS_MAX_AGE_MS);
  }, 30_000);

  it('drops and counts hostile values written into the bucket, keeps the good ones, and keeps working', async () => {
    const reader = tables[2]!;
    const kv = await connections[0]!.jetstream().views.kv(TALKERS_BUCKET);
    const key = (n: number) => talkerKey(talkerName(0x5000 + n, 'evil-1', `s${n}`));
    const before = reader.rejected;
    const hostile: unknown[] = [{ ...good, user: '__proto__', expires: Date.now() + 60_000 }, { ...good, user: 1, expires: Date.now() + 60_000 }, { ...good, role: 'x'.repeat(5000), expires: Date.now() + 60_000 }, 'not json {', { ...good, expires: Date.now() + 60_000, extra: true }];
    for (const [n, value] of hostile.entries()) await kv.put(key(n), bytes(value));
    // Not our key form at all: ignored before decoding (not counted).
    await kv.put('talker.__proto__', bytes(good));
    await kv.put(key(10), bytes({ ...good, user: 'constructor', expires: Date.now() + 60_000 }));
    await until('the good entry after the hostile ones', () => reader.entries(0x5000 + 10).length === 1, { pollMs: 5 });
    expect(reader.rejected - before).toBe(hostile.length);
    for (let n = 0; n < hostile.length; n++) expect(reader.entries(0x5000 + n)).toEqual([]);
    expect(reader.entries(0x5000 + 10)[0]?.user).toBe('constructor');
    // A good entry replaced by a hostile value keeps what it had (never applied), and the table still takes changes.
    await kv.put(key(10), bytes({ ...good, user: 42 }));
    await until('the hostile replacement counted', () => reader.rejected - before === hostile.length + 1, { pollMs: 5 });
    expect(reader.entries(0x5000 + 10)[0]?.user).toBe('constructor');
    tables[0]!.publish(0x6000, { connectionId: 'ms-3', user: 'erin', role: 'flight' });
    await until("erin's entry at the reader", () => reader.entries(0x6000).length === 1, { pollMs: 5 });
  }, 30_000);

  it('ignores the entries of an owner the registry says is down, until it is up again', async () => {
    const registry = new Registry();
    const reader = await open('e-signaling-1', 'e', 0, undefined, registry);
    const changes: number[] = [];
    reader.onChange((ssrc) => changes.push(ssrc));
    tables[0]!.publish(0x8000, { connectionId: 'ms-5', user: 'gina', role: 'flight' });
    await until("gina's entry at the reader", () => reader.entries(0x8000).length === 1, { pollMs: 5 });
    changes.length = 0;
    registry.emit('down', 'a-signaling-1');
    expect(reader.entries(0x8000)).toEqual([]);
    expect(changes).toContain(0x8000);
    registry.emit('down', 'someone-else');
    registry.emit('up', 'a-signaling-1');
    expect(reader.entries(0x8000).map((e) => e.user)).toEqual(['gina']);
  }, 30_000);

  it('rewrites its entries before they expire (an owner alive keeps its talkers named)', async () => {
    const owner = await open('d-signaling-1', 'd', 1, 200);
    const reader = tables[2]!;
    owner.publish(0x7000, { connectionId: 'ms-4', user: 'frank', role: 'ground' });
    await until("frank's entry at the reader", () => reader.entries(0x7000).length === 1, { pollMs: 5 });
    const first = reader.entries(0x7000)[0]!.expires;
    await until("frank's entry rewritten with a later expiry", () => (reader.entries(0x7000)[0]?.expires ?? 0) > first, { pollMs: 5 });
  }, 30_000);
});
