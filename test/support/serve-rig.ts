// What the split-process tests (signaling, media hosts, mixer hosts as `loopcast serve` processes) all
// start from: a 3-node NATS cluster, a work directory holding the NATS password and a config (media on
// the multicast bus over loopback), a copy of the fixture directory on its own multicast groups, and the
// arguments every `serve` of backend `a` takes. stop() undoes all of it, the processes included.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupChildren, copyFixtureDb, ensureBuilt } from './kill-server.js';
import { startNatsCluster, type NatsCluster } from './nats-cluster.js';
import { killAllServe, useTestGroups } from './serve-process.js';

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
