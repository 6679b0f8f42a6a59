// KvRecords (src/control/nats/kv-records.ts) on a 3-node NATS cluster: a change another process made while
// this process's own update was being written must stay in this process's view. It used to be thrown
// away when the update committed its draft (a snapshot from before the writes), until that key changed
// again: a backend would show a user's old loop states or miss a login session for minutes.
import type { NatsConnection } from 'nats';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectNats } from '../../src/control/nats/connection.js';
import { KvRecords } from '../../src/control/nats/kv-records.js';
import { startNatsCluster, type NatsCluster } from '../support/nats-cluster.js';
import { until } from '../support/until.js';

let cluster: NatsCluster;
const connections: NatsConnection[] = [];
const records: KvRecords<number>[] = [];

beforeAll(async () => {
  cluster = await startNatsCluster({ nodes: 3 });
}, 30_000);

afterAll(async () => {
  for (const r of records) r.close();
  for (const c of connections) await c.close();
  await cluster?.stop();
});

async function open(bucket: string, onReceived?: (name: string) => void): Promise<KvRecords<number>> {
  const connection = await connectNats({ servers: cluster.urls, user: cluster.user, password: cluster.password });
  connections.push(connection);
  const r = await KvRecords.open<number>(connection, {
    bucket,
    replicas: 1,
    keyOf: (name) => `r.${name}`,
    nameOf: (key) => (key.startsWith('r.') ? key.slice(2) : undefined),
    decode: (value) => {
      const n: unknown = JSON.parse(Buffer.from(value).toString('utf8'));
      return typeof n === 'number' ? n : undefined;
    },
    ...(onReceived ? { onReceived: (name: string) => onReceived(name) } : {}),
  });
  records.push(r);
  return r;
}

it("keeps another process's change that arrived while its own update was being written", async () => {
  // The interleaving needs B's write to reach A during A's update; a long update (many keys) makes
  // that likely, and each attempt checks that it happened before asserting on it.
  for (let attempt = 0; attempt < 5; attempt++) {
    const bucket = `kvr-${attempt}`;
    let updating = false;
    let receivedDuringUpdate = false;
    const a = await open(bucket, (name) => {
      if (name === 'other' && updating) receivedDuringUpdate = true;
    });
    const b = await open(bucket);
    updating = true;
    const own = a.update((draft) => {
      for (let i = 0; i < 60; i++) draft[`mine${i}`] = i;
    });
    await b.update((draft) => {
      draft.other = 42;
    });
    await own;
    updating = false;
    if (!receivedDuringUpdate) continue;
    expect(a.value.other).toBe(42);
    expect(a.value.mine59).toBe(59);
    // And B sees A's records: nothing lost on either side.
    await until("B receives A's update", () => b.value.mine59 === 59, { pollMs: 10 });
    return;
  }
  throw new Error("B's change never arrived during A's update in 5 attempts: the case was not exercised");
}, 60_000);

it('successive writes of one key by two processes end with the last one on both', async () => {
  const a = await open('kvr-same');
  const b = await open('kvr-same');
  await a.update((draft) => {
    draft.k = 1;
  });
  await until('B sees k=1', () => b.value.k === 1, { pollMs: 10 });
  await b.update((draft) => {
    draft.k = 2;
  });
  await until('A sees k=2', () => a.value.k === 2, { pollMs: 10 });
  await a.update((draft) => {
    draft.k = 3;
  });
  await until('B sees k=3', () => b.value.k === 3, { pollMs: 10 });
  expect(a.value.k).toBe(3);
}, 30_000);
