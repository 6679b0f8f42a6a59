// What the split-process tests (signaling, media hosts, mixer hosts as `loopcast serve` processes) all
// start from: a 3-node NATS cluster, a work directory holding the NATS password and a config (media on
// the multicast bus over loopback), a copy of the fixture directory on its own multicast groups, and the
// arguments every `serve` of backend `a` takes. stop() undoes all of it, the processes included.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupChildren, copyFixtureDb, ensureBuilt } from './kill-server.js';
import { startNatsCluster, type NatsCluster } from './nats-cluster.js';
import { Operator } from './media-operator.js';
import { killAllServe, useTestGroups, type ServeProcess } from './serve-process.js';
import { until } from './until.js';

export const RIG_MEDIA = { bus: 'multicast', multicast: { interface: '127.0.0.1' }, bindAddress: '127.0.0.1' };

export interface ServeRig {
  cluster: NatsCluster;
  dir: string;
  /** The fixture directory's database, for the signaling process (`--db`). */
  db: string;
  /** Backend, NATS servers and credentials. */
  common: string[];
  /** Loopback address, any port, the config, info logs. */
  local: string[];
  stop(): Promise<void>;
}

/** `name` names the work directory; `media` is merged over RIG_MEDIA in the config. */
export async function startServeRig(name: string, media: Record<string, unknown> = {}): Promise<ServeRig> {
  await ensureBuilt();
  const cluster = await startNatsCluster({ nodes: 3 });
  const dir = await mkdtemp(join(tmpdir(), `loopcast-${name}-`));
  const stop = async (): Promise<void> => {
    await killAllServe();
    await cleanupChildren();
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await writeFile(join(dir, 'nats-password'), `${cluster.password}\n`, { mode: 0o600 });
    await writeFile(join(dir, 'config.json'), JSON.stringify({ media: { ...RIG_MEDIA, ...media } }));
    const db = await copyFixtureDb();
    await useTestGroups(db, 28_000 + Math.floor(Math.random() * 10_000));
    const common = ['--backend', 'a', '--nats', ...cluster.urls, '--nats-user', cluster.user, '--nats-password-file', join(dir, 'nats-password')];
    const local = ['--host', '127.0.0.1', '--port', '0', '--config', join(dir, 'config.json'), '--log-level', 'info'];
    return { cluster, dir, db, common, local, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export interface TwoOperatorsApart {
  alice: Operator;
  bob: Operator;
  /** The process serving bob (the one a test kills) and the one serving alice. */
  victim: ServeProcess;
  survivor: ServeProcess;
}

/**
 * alice (sending `source` when she talks) and bob connected to signaling at `apiUrl`,
 * each served by another of two `processes`: `loads` is the registry's load per service id, which
 * must read 1 for alice's before bob connects (the least-loaded one then takes bob). Both go into
 * `operators` (closed by the test's afterAll); bob monitors loop1 at volume 50, alice talks on it.
 */
export async function aliceAndBobApart(apiUrl: string, loads: () => Record<string, number>, processes: readonly ServeProcess[], source: (frame: number) => Int16Array, operators: Operator[]): Promise<TwoOperatorsApart> {
  const alice = await Operator.connect(apiUrl, 'alice', 'flight', { source });
  operators.push(alice);
  await until('alice placed', () => Object.values(loads()).includes(1), { timeoutMs: 10_000 });
  const aliceOn = Object.entries(loads()).find(([, load]) => load === 1)![0];
  const bob = await Operator.connect(apiUrl, 'bob', 'ground');
  operators.push(bob);
  await until('bob placed on the other one', () => Object.values(loads()).every((load) => load === 1), { timeoutMs: 10_000 });
  const idOf = (p: ServeProcess): string => String(p.ready.id);
  const victim = processes.find((p) => idOf(p) !== aliceOn)!;
  const survivor = processes.find((p) => idOf(p) === aliceOn)!;
  await bob.switch('loop1', 'recv');
  await bob.volume('loop1', 50);
  await alice.switch('loop1', 'send');
  return { alice, bob, victim, survivor };
}
