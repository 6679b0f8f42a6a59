// Readiness of a deployed backend (`loopcast serve`) includes its control plane: with the one NATS
// cluster killed (SIGKILL, every node: with one left the client fails over to it) /health/ready
// answers 503 naming control_plane while liveness stays 200, and once the nodes are back (same
// stores) the connection reconnects and readiness is 200 again.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseServices, serve, type RunningBackend } from '../../src/cli/serve.js';
import { resolveConfig } from '../../src/config/config.js';
import { startNatsCluster, type NatsCluster } from '../support/nats-cluster.js';
import { copyFixture } from '../support/server.js';
import { get } from './scrape.js';

interface Report {
  status: string;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

let cluster: NatsCluster;
let dir: string;
let backend: RunningBackend | undefined;

beforeAll(async () => {
  cluster = await startNatsCluster({ nodes: 3 });
  dir = await mkdtemp(join(tmpdir(), 'loopcast-health-control-'));
  await writeFile(join(dir, 'nats-password'), `${cluster.password}\n`, { mode: 0o600 });
}, 30_000);

afterAll(async () => {
  await backend?.close().catch(() => undefined);
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function ready(port: number): Promise<{ status: number; report: Report }> {
  const answer = await get(port, '/health/ready');
  return { status: answer.status, report: JSON.parse(answer.body) as Report };
}

async function until(port: number, status: number, ms: number): Promise<Report> {
  const deadline = Date.now() + ms;
  for (;;) {
    const r = await ready(port);
    if (r.status === status) return r.report;
    if (Date.now() > deadline) throw new Error(`readiness not ${status} within ${ms} ms: ${JSON.stringify(r.report)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

it('is not ready while the NATS connection is down, and ready again after it reconnects', async () => {
  const config = resolveConfig({ dataDir: join(dir, 'a'), db: await copyFixture(), host: '127.0.0.1', port: 0, demo: false, logLevel: 'silent', media: { enabled: false } });
  backend = await serve(config, {
    services: parseServices('signaling,edge,mixer,recorder'),
    backend: 'a',
    nats: { servers: cluster.urls, user: cluster.user, passwordFile: join(dir, 'nats-password') },
    replicas: 3,
  });
  const port = backend.app.port;
  const up = await ready(port);
  expect(up.status).toBe(200);
  expect(up.report.checks.control_plane?.ok).toBe(true);

  await Promise.all(cluster.nodes.map((_, i) => cluster.kill(i)));
  const down = await until(port, 503, 10_000);
  expect(down.checks.control_plane).toMatchObject({ ok: false });
  expect(down.checks.control_plane?.detail).toMatch(/NATS/);
  expect(down.checks.directory?.ok).toBe(true);
  expect((await get(port, '/health/live')).status).toBe(200);

  await Promise.all(cluster.nodes.map((_, i) => cluster.restart(i)));
  const back = await until(port, 200, 15_000);
  expect(back.checks.control_plane?.ok).toBe(true);
}, 60_000);
