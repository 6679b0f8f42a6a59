// `loopcast serve`: two backends on one NATS cluster share the directory and the login sessions and
// announce themselves with their capacity; a clean stop withdraws the announcement; which service
// sets make a process.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from 'nats';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseServices, roleOf, serve, type RunningBackend } from '../../src/cli/serve.js';
import { resolveConfig } from '../../src/config/config.js';
import { serveMediaHost } from '../../src/cli/serve-media.js';
import { serveMixerHost } from '../../src/cli/serve-mixer.js';
import { ConfigError } from '../../src/config/config.js';
import { connectNats } from '../../src/control/nats/connection.js';
import { NatsControlPlane } from '../../src/control/nats/nats-control-plane.js';
import { startNatsCluster, type NatsCluster } from '../support/nats-cluster.js';
import { copyFixture } from '../support/server.js';
import { until } from '../support/until.js';

let cluster: NatsCluster;
let dir: string;
const running: RunningBackend[] = [];
let observer: NatsConnection | undefined;

beforeAll(async () => {
  cluster = await startNatsCluster({ nodes: 3 });
  dir = await mkdtemp(join(tmpdir(), 'loopcast-serve-'));
  await writeFile(join(dir, 'nats-password'), `${cluster.password}\n`, { mode: 0o600 });
}, 30_000);

afterAll(async () => {
  for (const b of running) await b.close().catch(() => undefined);
  await observer?.close();
  await cluster?.stop();
  await rm(dir, { recursive: true, force: true });
});

it('refuses unknown services, a backend with only one of edge and mixer and a recorder without signaling; knows the four roles', () => {
  expect(() => parseServices('signaling,database')).toThrow(ConfigError);
  expect(() => parseServices('')).toThrow(/at least one/);
  expect(() => parseServices('signaling,edge')).toThrow(/name both edge and mixer with signaling/);
  expect(() => parseServices('signaling,mixer,recorder')).toThrow(/name both edge and mixer with signaling/);
  expect(() => parseServices('edge,mixer,recorder')).toThrow(/recorder runs beside signaling/);
  expect(() => parseServices('mixer,recorder')).toThrow(/recorder runs beside signaling/);
  expect(() => parseServices('edge,recorder')).toThrow(/recorder runs beside signaling/);
  expect(roleOf(parseServices('edge'))).toBe('media-host');
  expect(roleOf(parseServices('mixer'))).toBe('mixer-host');
  expect(roleOf(parseServices('mixer,mixer'))).toBe('mixer-host');
  expect(parseServices('mixer,signaling,edge,recorder,mixer')).toHaveLength(4);
  expect(roleOf(parseServices('signaling,edge,mixer,recorder'))).toBe('backend');
  expect(roleOf(parseServices('signaling,edge,mixer'))).toBe('backend');
  expect(roleOf(parseServices('signaling'))).toBe('signaling');
  expect(roleOf(parseServices('recorder,signaling'))).toBe('signaling');
  expect(roleOf(parseServices('edge,mixer'))).toBe('media-host');
});

it('refuses, before connecting, what a process of a split backend cannot run', async () => {
  const settings = (services: string) => ({
    services: parseServices(services),
    backend: 'a',
    nats: { servers: ['nats://127.0.0.1:1'], user: 'u', passwordFile: join(dir, 'missing') },
    replicas: 1,
  });
  const config = (extra: Parameters<typeof resolveConfig>[0]) => resolveConfig({ dataDir: dir, logLevel: 'silent', ...extra });
  await expect(serveMediaHost(config({}), settings('edge,mixer'))).rejects.toThrow(/media host needs media.bus "multicast"/);
  await expect(serve(config({ sip: {} }), settings('signaling'))).rejects.toThrow(/SIP gateway \(sip\) needs the media plane/);
  await expect(serve(config({ recorder: { enabled: true } }), settings('signaling,recorder'))).rejects.toThrow(/recorder hears the loops of the media hosts only on the multicast bus/);
  await expect(serve(config({}), settings('edge,mixer'))).rejects.toThrow(ConfigError);
  await expect(serve(config({}), settings('mixer'))).rejects.toThrow(/mixer host: serveMixerHost/);
  await expect(serveMediaHost(config({}), settings('mixer'))).rejects.toThrow(ConfigError);
  await expect(serveMediaHost(config({}), settings('edge'))).rejects.toThrow(/media host needs media.bus "multicast"/);
  await expect(serveMixerHost(config({}), settings('edge'))).rejects.toThrow(/must be mixer/);
});

it('two backends share the directory and announce themselves; a clean stop withdraws', async () => {
  const start = async (backend: string, node: number): Promise<RunningBackend> => {
    const db = await copyFixture();
    const config = resolveConfig({ dataDir: join(dir, backend), db, host: '127.0.0.1', port: 0, demo: false, logLevel: 'silent', media: { enabled: false } });
    const b = await serve(config, {
      services: parseServices('signaling,edge,mixer,recorder'),
      backend,
      nats: { servers: [cluster.urls[node]!], user: cluster.user, passwordFile: join(dir, 'nats-password') },
      replicas: 3,
    });
    running.push(b);
    return b;
  };
  const a = await start('a', 0);
  const b = await start('b', 1);
  expect(b.app.services.directory.allScopes().map((s) => s.id)).toEqual(a.app.services.directory.allScopes().map((s) => s.id));
  // Login sessions too: one issued by backend a is accepted by backend b.
  const session = await a.app.services.sessions.create('bob', 'console-1');
  await until("backend a's session known to backend b", () => b.app.services.sessions.find(session, 'bob', 'console-1') !== undefined, { timeoutMs: 3000 });
  observer = await connectNats({ servers: [cluster.urls[2]!], user: cluster.user, password: cluster.password });
  const control = new NatsControlPlane(observer);
  await until('both signaling services announced', () => control.services('signaling').length === 2, { timeoutMs: 3000 });
  expect(control.services('signaling').map((s) => s.backend).sort()).toEqual(['a', 'b']);
  expect(control.services('signaling')[0]!.capacity).toBeGreaterThan(0);
  await a.close();
  running.splice(running.indexOf(a), 1);
  await until('the closed backend withdrawn', () => control.services('signaling').length === 1, { timeoutMs: 3000 });
  await control.close();
}, 60_000);
