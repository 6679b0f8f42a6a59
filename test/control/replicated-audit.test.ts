// The replicated audit stream (src/control/nats/replicated-audit.ts): a publish resolves once the
// stream acknowledged the entry and the follower showed it — but waits for the follower only a bounded
// time. A follower that is stuck (its node died) used to hold every audited admin request, and with it
// the request queue of that socket, forever.
import type { NatsConnection } from 'nats';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectNats } from '../../src/control/nats/connection.js';
import { ReplicatedAudit, VISIBLE_WAIT_MS } from '../../src/control/nats/replicated-audit.js';
import type { AuditEntry } from '../../src/directory/audit-log.js';
import { startNatsCluster, type NatsCluster } from '../support/nats-cluster.js';

let cluster: NatsCluster;
const connections: NatsConnection[] = [];
const audits: ReplicatedAudit[] = [];

beforeAll(async () => {
  cluster = await startNatsCluster({ nodes: 3 });
}, 30_000);

afterAll(async () => {
  for (const a of audits) a.close();
  for (const c of connections) await c.close();
  await cluster?.stop();
});

async function openAudit(): Promise<ReplicatedAudit> {
  const connection = await connectNats({ servers: cluster.urls, user: cluster.user, password: cluster.password });
  connections.push(connection);
  const audit = await ReplicatedAudit.open(connection, { replicas: 3 });
  audits.push(audit);
  return audit;
}

const entry = (summary: string): AuditEntry => ({ time: new Date().toISOString(), user: 'admin', event: 'test', target: null, domain: null, project: null, summary });

it('a publish whose entry never comes back through a follower resolves after the bounded wait; the entry is stored', async () => {
  // No follower at all: the strongest form of a stuck one.
  const writer = await openAudit();
  const started = Date.now();
  await writer.publish(entry('not followed'));
  const waited = Date.now() - started;
  expect(waited).toBeGreaterThanOrEqual(VISIBLE_WAIT_MS - 50);
  expect(waited).toBeLessThan(VISIBLE_WAIT_MS + 5_000);
  expect(writer.late).toBe(1);

  // Durable all the same: another backend's follower reads it.
  const reader = await openAudit();
  const seen: AuditEntry[] = [];
  await reader.follow((e) => seen.push(e));
  expect(seen.map((e) => e.summary)).toContain('not followed');
}, 30_000);

it('with its follower running, a publish resolves once the entry is shown, well before the bounded wait', async () => {
  const audit = await openAudit();
  const seen: string[] = [];
  await audit.follow((e) => seen.push(e.summary));
  const started = Date.now();
  await audit.publish(entry('followed'));
  expect(seen).toContain('followed');
  expect(Date.now() - started).toBeLessThan(VISIBLE_WAIT_MS);
  expect(audit.late).toBe(0);
}, 30_000);
