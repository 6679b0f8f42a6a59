// The replicated audit stream (src/control/nats/replicated-audit.ts): a publish resolves once the
// stream acknowledged the entry and the follower showed it — but waits for the follower only a bounded
// time. A follower that is stuck (its node died) used to hold every audited admin request, and with it
// the request queue of that socket, forever. A running follower whose consumer's node is SIGKILLed
// is replaced (its own client reset stayed on the dead node on nats-server 2.9: the console missed
// every new entry until the process restarted).
import { JSONCodec, type NatsConnection } from 'nats';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectNats } from '../../src/control/nats/connection.js';
import { ReplicatedAudit, VISIBLE_WAIT_MS } from '../../src/control/nats/replicated-audit.js';
import type { AuditEntry } from '../../src/directory/audit-log.js';
import { startNatsCluster, type NatsCluster } from '../support/nats-cluster.js';
import { until } from '../support/until.js';

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

async function openAudit(servers = cluster.urls): Promise<ReplicatedAudit> {
  const connection = await connectNats({ servers, user: cluster.user, password: cluster.password });
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

it('a value in the stream that is not JSON, or not an entry, is skipped: the follower goes on with the next entry', async () => {
  const audit = await openAudit();
  const seen: string[] = [];
  await audit.follow((e) => seen.push(e.summary));
  const js = connections.at(-1)!.jetstream();
  await js.publish('loopcast.audit', new TextEncoder().encode('{not json'));
  await js.publish('loopcast.audit', JSONCodec().encode({ summary: 'not an entry' }));
  await audit.publish(entry('after the malformed ones'));
  expect(seen.at(-1)).toBe('after the malformed ones');
  expect(seen).not.toContain('not an entry');
  expect(audit.late).toBe(0);
  expect(audit.replaced).toBe(0);
}, 30_000);

it('a running follower whose consumer sits on a node that is SIGKILLed gets every new entry, in order, once, within 5 s', async () => {
  const admin = await connectNats({ servers: cluster.urls, user: cluster.user, password: cluster.password });
  connections.push(admin);
  audits.push(await ReplicatedAudit.open(admin, { replicas: 3 })); // the stream, if no test made it yet
  const jsm = await admin.jetstreamManager();
  const consumerNodes = async (): Promise<Map<string, string>> => {
    const nodes = new Map<string, string>();
    for await (const info of jsm.consumers.list('LOOPCAST_AUDIT')) nodes.set(info.name, info.cluster?.leader ?? '');
    return nodes;
  };
  // Followers connected to the stream leader only: the node killed below is neither the stream
  // leader (publishes go on) nor any follower's server (no reconnect): only the consumer goes quiet.
  const leader = (await jsm.streams.info('LOOPCAST_AUDIT')).cluster?.leader;
  const leaderUrl = cluster.nodes.find((n) => n.name === leader)!.url;
  // Another backend's entries, published straight to the stream: acknowledged without waiting for a follower.
  const other = await connectNats({ servers: [leaderUrl], user: cluster.user, password: cluster.password });
  connections.push(other);
  const publish = (summary: string) => other.jetstream().publish('loopcast.audit', JSONCodec<AuditEntry>().encode(entry(summary)));
  // Nor the JetStream meta leader: no consumer can be created until another one is elected (measured
  // 6–9 s on this machine), a limit of the cluster that no watchdog shortens.
  const meta = (await (await fetch(`${cluster.nodes.find((n) => n.name === leader)!.monitorUrl}/jsz`)).json()) as { meta_cluster?: { leader?: string } };
  const candidates = cluster.nodes.map((n) => n.name).filter((name) => name !== leader && name !== meta.meta_cluster?.leader);
  const on = (node: string): number => followers.filter((f) => f.node === node).length;
  // Each consumer create lands on a random node: followers until a candidate holds two of them.
  const followers: { audit: ReplicatedAudit; node: string; seen: string[]; seenAt: Map<string, number> }[] = [];
  for (let i = 0; i < 20 && (i < 6 || !candidates.some((node) => on(node) >= 2)); i++) {
    const before = await consumerNodes();
    const audit = await openAudit([leaderUrl]);
    const follower = { audit, node: '', seen: [] as string[], seenAt: new Map<string, number>() };
    await audit.follow((e) => {
      follower.seen.push(e.summary);
      follower.seenAt.set(e.summary, Date.now());
    });
    // The stream leader lists a consumer placed on another node once that node reported it.
    let added: [string, string][] = [];
    await until('the new follower\'s consumer listed', async () => (added = [...(await consumerNodes())].filter(([name]) => !before.has(name))).length > 0, { timeoutMs: 5000 });
    expect(added.length).toBe(1);
    follower.node = added[0]![1];
    followers.push(follower);
  }
  const victimName = candidates.sort((a, b) => on(b) - on(a))[0]!;
  const victims = followers.filter((f) => f.node === victimName);
  expect(victims.length).toBeGreaterThan(0);
  await publish('before the kill');
  await until('every follower saw the entry before the kill', () => followers.every((f) => f.seen.includes('before the kill')), { timeoutMs: 5000 });

  const victim = cluster.nodes.findIndex((n) => n.name === victimName);
  await cluster.kill(victim);
  const killedAt = Date.now();
  const ackedAt = new Map<string, number>();
  // Entries of another backend every ~100 ms for 3 s, and of a stalled follower's own backend (its
  // publish waits for the entry to come back through that follower: bounded, counted as late).
  const own = (async () => {
    for (let i = 0; i < 3; i++) {
      await victims[0]!.audit.publish(entry(`own ${i}`));
      ackedAt.set(`own ${i}`, Date.now());
    }
  })();
  for (let i = 0; Date.now() - killedAt < 3000; i++) {
    await publish(`after ${i}`);
    ackedAt.set(`after ${i}`, Date.now());
    await new Promise((r) => setTimeout(r, 100));
  }
  await own;
  const published = [...ackedAt.keys()];
  try {
    await until('every follower saw every entry published after the kill', () => followers.every((f) => published.every((s) => f.seen.includes(s))), { timeoutMs: 5000 });
  } finally {
    const resumed = victims.map((f) => Math.min(...published.map((s) => f.seenAt.get(s) ?? Infinity)) - killedAt);
    const lag = victims.map((f) => Math.max(...published.map((s) => (f.seenAt.get(s) ?? Infinity) - ackedAt.get(s)!)));
    console.log(
      `${victims.length} of ${followers.length} followers on ${victimName} (killed; stream leader ${leader}, meta leader ${meta.meta_cluster?.leader}): first entry after the kill seen ${resumed.join(', ')} ms after it, ` +
        `slowest entry ${lag.join(', ')} ms after its ack; replaced ${victims.map((f) => f.audit.replaced).join(', ')}; own backend late ${victims[0]!.audit.late}`,
    );
  }
  // The stream's own order, read by a new follower: every follower saw exactly that, once each.
  const truth: string[] = [];
  const reader = await openAudit([leaderUrl]);
  await reader.follow((e) => truth.push(e.summary));
  const expected = truth.slice(truth.indexOf('before the kill'));
  for (const f of followers) expect(f.seen.slice(f.seen.indexOf('before the kill'))).toEqual(expected);
  for (const f of victims) {
    for (const s of published) expect(f.seenAt.get(s)! - Math.max(ackedAt.get(s)!, killedAt)).toBeLessThan(5000);
  }
  expect(victims[0]!.audit.late).toBeLessThanOrEqual(2);
  await cluster.restart(victim);
}, 60_000);
