// Two signaling servers (backend A and B) on one replicated directory (JetStream KV on a 3-node NATS
// cluster): an admin change through backend A reaches an operator logged in on backend B — the
// `role_loops_changed` push and the `role_loops` answer — within 1 s.
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from 'nats';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLoopcast, type RunningLoopcast } from '../../src/app.js';
import { resolveConfig } from '../../src/config/config.js';
import { connectNats } from '../../src/control/nats/connection.js';
import { ReplicatedDirectoryStore } from '../../src/control/nats/replicated-directory.js';
import { ReplicatedState } from '../../src/control/nats/replicated-state.js';
import { ReplicatedAudit } from '../../src/control/nats/replicated-audit.js';
import { startNatsCluster, type NatsCluster } from '../support/nats-cluster.js';
import { ProtocolClient, type Message } from '../support/protocol-client.js';
import { copyFixture } from '../support/server.js';

let cluster: NatsCluster;
const backends: RunningLoopcast[] = [];
const connections: NatsConnection[] = [];
const dbs: string[] = [];
const clients: ProtocolClient[] = [];
const states: ReplicatedState[] = [];
const audits: ReplicatedAudit[] = [];

async function startBackend(node: number): Promise<RunningLoopcast> {
  const db = await copyFixture();
  dbs.push(db);
  const connection = await connectNats({ servers: [cluster.urls[node]!, ...cluster.urls], user: cluster.user, password: cluster.password, name: `backend-${node}` });
  connections.push(connection);
  const directoryStore = await ReplicatedDirectoryStore.open(connection, { replicas: 3, seedRoot: db });
  const config = resolveConfig({ dataDir: join(tmpdir(), `loopcast-test-tls-${process.pid}`), db, host: '127.0.0.1', port: 0, demo: false, logLevel: 'silent', media: { enabled: false } });
  const state = await ReplicatedState.open(connection, { replicas: 3, seedRoot: db });
  states.push(state);
  const auditReplica = await ReplicatedAudit.open(connection, { replicas: 3 });
  audits.push(auditReplica);
  const app = await startLoopcast(config, { log: pino({ level: 'silent' }), directoryStore, state, auditReplica });
  backends.push(app);
  return app;
}

beforeAll(async () => {
  cluster = await startNatsCluster({ nodes: 3 });
}, 30_000);

afterAll(async () => {
  for (const c of clients) c.close();
  for (const b of backends) await b.close().catch(() => undefined);
  for (const s of states) s.close();
  for (const a of audits) a.close();
  for (const c of connections) await c.close();
  await cluster?.stop();
  for (const db of dbs) await rm(db, { recursive: true, force: true });
});

it('an admin change through backend A appears in backend B role_loops within 1 s', async () => {
  const a = await startBackend(0);
  const b = await startBackend(1);
  const admin = await ProtocolClient.connect(`wss://127.0.0.1:${a.port}/api`);
  clients.push(admin);
  await admin.loginAs('alice', 'alice');
  const bob = await ProtocolClient.connect(`wss://127.0.0.1:${b.port}/api`);
  clients.push(bob);
  await bob.loginAs('bob', 'bob', 'flight');
  await bob.ok('role_loops');
  const gaps: number[] = [];
  for (const permission of [false, true, false]) {
    const from = bob.pushes.length;
    const started = Date.now();
    await admin.ok('update_key', { type: 'loop', id: 'loop1', key: 'roles', data: { flight: permission, ground: true } });
    const want = permission ? 'send' : 'recv';
    await bob.waitFor(
      (m: Message) => bob.pushes.indexOf(m) >= from && m.event === 'role_loops_changed' && (m.parameter?.loops as Record<string, { permission: string }>).loop1?.permission === want,
      1000,
    );
    gaps.push(Date.now() - started);
    const loops = (await bob.ok('role_loops')).loops as Record<string, { permission: string }>;
    expect(loops.loop1?.permission).toBe(want);
  }
  console.log(`admin change on backend A → role_loops_changed on backend B: ${gaps.join(', ')} ms`);
  expect(Math.max(...gaps)).toBeLessThan(1000);
  // The audit log is shared: the three changes made through A are in B's admin console.
  const adminOnB = await ProtocolClient.connect(`wss://127.0.0.1:${b.port}/api`);
  clients.push(adminOnB);
  await adminOnB.loginAs('alice', 'alice');
  const entries = (await adminOnB.ok('admin_audit', { limit: 10 })).entries as Array<{ user: string; event: string }>;
  expect(entries.filter((e) => e.user === 'alice' && e.event === 'update_key')).toHaveLength(3);
}, 60_000);

it('loop states and volumes set through backend A are there on backend B after A is gone', async () => {
  const [a, b] = backends as [RunningLoopcast, RunningLoopcast];
  const onA = await ProtocolClient.connect(`wss://127.0.0.1:${a.port}/api`);
  clients.push(onA);
  await onA.loginAs('bob', 'bob', 'flight');
  await onA.ok('switch_loop_state', { loop: 'loop2', state: 'recv' });
  await onA.ok('switch_loop_volume', { loop: 'loop2', volume: 73 });
  await a.close();
  const onB = await ProtocolClient.connect(`wss://127.0.0.1:${b.port}/api`);
  clients.push(onB);
  await onB.loginAs('bob', 'bob', 'flight');
  const loops = (await onB.ok('role_loops')).loops as Record<string, { state: string; volume: number }>;
  expect(loops.loop2).toMatchObject({ state: 'recv', volume: 73 });
}, 30_000);
