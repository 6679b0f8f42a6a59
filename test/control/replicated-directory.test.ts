// Two backends' directories on one replicated JetStream bucket (3-node NATS cluster): a change through
// backend A shows in backend B within 1 s; SIGKILL of a NATS node during admin writes loses nothing
// that was acknowledged; concurrent writes to one scope never overwrite each other silently.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNats } from '../../src/control/nats/connection.js';
import { ReplicatedDirectoryStore, parseScopeKey, scopeKey } from '../../src/control/nats/replicated-directory.js';
import { createDemoDirectory, DEMO_PROJECT } from '../../src/directory/demo.js';
import { Directory, DirectoryChangeError } from '../../src/directory/directory.js';
import { startNatsCluster, type NatsCluster } from '../support/nats-cluster.js';
import { until } from '../support/until.js';

let cluster: NatsCluster;
let root: string;
const connections: NatsConnection[] = [];
const directories: Directory[] = [];

async function backend(node: number, bucket: string): Promise<Directory> {
  const connection = await connectNats({ servers: [cluster.urls[node]!, ...cluster.urls.filter((_, i) => i !== node)], user: cluster.user, password: cluster.password });
  connections.push(connection);
  const store = await ReplicatedDirectoryStore.open(connection, { bucket, replicas: 3, seedRoot: root });
  const directory = await Directory.load(root, store);
  directories.push(directory);
  return directory;
}

const project = (d: Directory) => d.project(DEMO_PROJECT)!;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'loopcast-repl-'));
  await createDemoDirectory(root);
  cluster = await startNatsCluster({ nodes: 3 });
}, 30_000);

afterAll(async () => {
  for (const d of directories) d.close();
  for (const c of connections) if (!c.isClosed()) await c.close();
  await cluster?.stop();
  await rm(root, { recursive: true, force: true });
});

describe('replicated directory', () => {
  it('keys code any id; the bucket is seeded once from the files', async () => {
    for (const id of ['__proto__', 'a.b', 'ü x/y', '>']) {
      expect(parseScopeKey(scopeKey({ kind: 'project', id, domainId: id }))).toEqual({ kind: 'project', id, domainId: id });
    }
    const a = await backend(0, 'seeded');
    const b = await backend(1, 'seeded');
    expect(b.allScopes().map((s) => s.id)).toEqual(a.allScopes().map((s) => s.id));
    expect(project(b).data).toEqual(project(a).data);
  });

  it('a change through backend A is visible in backend B within 1 s, both ways', async () => {
    const a = await backend(0, 'visible');
    const b = await backend(2, 'visible');
    const gaps: number[] = [];
    for (let i = 0; i < 5; i++) {
      const [writer, reader] = i % 2 === 0 ? [a, b] : [b, a];
      const loopId = `new_${i}`;
      const started = Date.now();
      await writer.change(project(writer), (draft) => {
        draft.loops[loopId] = { id: loopId, name: `NEW ${i}`, roles: { engineering: false } };
      });
      await until(`${loopId} among the reader's engineering loops`, () => reader.loopsOfRole(project(reader), 'engineering').some((l) => l.loop.id === loopId), { timeoutMs: 1000, pollMs: 5 });
      gaps.push(Date.now() - started);
    }
    console.log(`replication admin change → other backend's role loops: ${gaps.join(', ')} ms`);
    expect(Math.max(...gaps)).toBeLessThan(1000);
    // Removal and a new scope travel the same way.
    await a.addProject({ id: 'p2@x', domain: project(a).domainId, users: {}, roles: {}, loops: {} });
    await until('the new project p2@x at b', () => b.project('p2@x') !== undefined, { timeoutMs: 1000, pollMs: 5 });
    await b.removeScope(b.project('p2@x')!);
    await until('project p2@x removed at a', () => a.project('p2@x') === undefined, { timeoutMs: 1000, pollMs: 5 });
  });

  it('two backends writing one scope at once: one wins, the other is refused, nothing is lost silently', async () => {
    const a = await backend(0, 'race');
    const b = await backend(1, 'race');
    for (let round = 0; round < 10; round++) {
      const [ida, idb] = [`race_a${round}`, `race_b${round}`];
      const results = await Promise.allSettled([
        a.change(project(a), (d) => void (d.loops[ida] = { id: ida, roles: {} })),
        b.change(project(b), (d) => void (d.loops[idb] = { id: idb, roles: {} })),
      ]);
      const ok = results.filter((r) => r.status === 'fulfilled').length;
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(DirectoryChangeError);
      expect(ok).toBeGreaterThanOrEqual(1);
      await until(`the project the same on both backends after round ${round}`, () => JSON.stringify(project(a).data) === JSON.stringify(project(b).data), { timeoutMs: 1000, pollMs: 5 });
      const landed = [ida, idb].filter((id) => Object.hasOwn(project(a).data.loops, id));
      expect(landed.length).toBe(ok);
    }
  });

  it('SIGKILL of one NATS node during admin writes loses nothing acknowledged', async () => {
    const a = await backend(0, 'kill');
    const b = await backend(1, 'kill');
    const acknowledged: string[] = [];
    const failed: string[] = [];
    let killedAt = 0;
    let slowest = 0;
    // Kill the node that leads the bucket's stream (the hardest case: a new leader must be elected).
    const jsm = await connections.at(-1)!.jetstreamManager();
    const leader = (await jsm.streams.info('KV_kill')).cluster?.leader ?? 'n0';
    const victim = cluster.nodes.findIndex((n) => n.name === leader);
    const writes = (async () => {
      for (let i = 0; i < 40; i++) {
        // A writes the project, B the domain: two admins on two backends, no write conflicts.
        const loopId = `k_${i}`;
        const writer = i % 2 === 0 ? a : b;
        const scope = i % 2 === 0 ? project(a) : b.domain(project(b).domainId)!;
        if (i === 10) {
          killedAt = Date.now();
          await cluster.kill(victim);
        }
        const started = Date.now();
        try {
          await writer.change(scope, (d) => void (d.loops[loopId] = { id: loopId, roles: {} }));
          acknowledged.push(loopId);
          slowest = Math.max(slowest, Date.now() - started);
        } catch (err) {
          failed.push(`${loopId}: ${(err as Error).message}`);
        }
      }
    })();
    await writes;
    console.log(`NATS stream leader ${leader} killed at write 10 (${Date.now() - killedAt} ms ago): ${acknowledged.length} acknowledged, ${failed.length} refused (never acknowledged); slowest acknowledged write ${slowest} ms`);
    if (failed.length > 0) console.log(failed.join('\n'));
    expect(acknowledged.length).toBeGreaterThan(30);
    // A fresh reader on a surviving node sees every acknowledged write.
    const openedAt = Date.now();
    const reader = await backend((victim + 1) % 3, 'kill');
    console.log(`a fresh reader opened ${Date.now() - openedAt} ms after the writes, with ${leader} dead`);
    const readerLoops = (d: Directory) => [...Object.keys(project(d).data.loops), ...Object.keys(d.domain(project(d).domainId)!.data.loops)].sort();
    for (const id of acknowledged) expect(readerLoops(reader), id).toContain(id);
    await until("a's loops the same as the fresh reader's", () => JSON.stringify(readerLoops(a)) === JSON.stringify(readerLoops(reader)), { timeoutMs: 3000, pollMs: 5 });
    await until("b's loops the same as the fresh reader's", () => JSON.stringify(readerLoops(b)) === JSON.stringify(readerLoops(reader)), { timeoutMs: 3000, pollMs: 5 });
    await cluster.restart(victim);
  }, 60_000);
});
