// The split-backend scenario, run by multi-host.test.ts INSIDE host namespace 3. Host 1 runs a NATS
// node, the signaling process of backend a (`serve --services signaling`) and a media host; host 2 a
// NATS node and the other media host (`serve --services edge,mixer`, multicast pinned to the host's
// address, TTL 2 to cross the multicast router); host 3 the third NATS node and the clients. The talker
// and the listener land on different media hosts (so on different hosts): the listener hears the talker
// over routed multicast; the listener's media host is SIGKILLed, its client gets `media_lost`, sets
// media up again on the other host and hears again. Prints one JSON line with the measurements.
// argv: <ns1> <ns2> <work dir>
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connectNats } from '../../../src/control/nats/connection.js';
import { NatsControlPlane } from '../../../src/control/nats/nats-control-plane.js';
import { FRAME_SAMPLES } from '../../../src/media/opus.js';
import { levelAt, tone } from '../../../testkit/signal/index.js';
import { Operator } from '../../support/media-operator.js';
import { startNatsCluster } from '../../support/nats-cluster.js';
import { copyFixture } from '../../support/server.js';
import { until } from '../../support/until.js';

const [ns1, ns2, work] = process.argv.slice(2) as [string, string, string];
const address = (host: number): string => `10.98.${host}.1`;
const step = (msg: string): void => void process.stderr.write(`[multi-host split ${(performance.now() / 1000).toFixed(1)} s] ${msg}\n`);

const cluster = await startNatsCluster({ host: (i) => address(i + 1), wrap: (i) => (i < 2 ? ['ip', 'netns', 'exec', i === 0 ? ns1 : ns2] : []) });
const processes: ChildProcess[] = [];
const operators: Operator[] = [];
const observer = await connectNats({ servers: cluster.urls, user: cluster.user, password: cluster.password });
const control = new NatsControlPlane(observer);
try {
  step('NATS cluster up');
  const passwordFile = join(work, 'nats-password');
  await writeFile(passwordFile, cluster.password, { mode: 0o600 });
  const db = await copyFixture();
  const projectFile = join(db, 'auth', '127.0.0.1', 'mcc@127.0.0.1', 'config.json');
  // Routable groups (224.0.0.x is link-local, RFC 5771), another group than the other scenario.
  await writeFile(projectFile, (await readFile(projectFile, 'utf8')).replaceAll('"host": "224.0.0.1"', '"host": "239.255.98.2"'));

  /** Starts a process; resolves with it and its stderr so far (the banner names a media host's id). */
  const start = async (name: string, host: number, ns: string, services: string, extra: string[], ready: string): Promise<{ child: ChildProcess; banner: string }> => {
    const config = join(work, `${name}.json`);
    const media = { enabled: true, bindAddress: address(host), port: 9443, bus: 'multicast', multicast: { interface: address(host), ttl: 2 } };
    await writeFile(config, JSON.stringify({ media }));
    const argv = ['ip', 'netns', 'exec', ns, process.execPath, 'bin/loopcast.js', 'serve', '--backend', 'a', '--services', services];
    argv.push('--nats', cluster.urls[host - 1]!, '--nats-user', cluster.user, '--nats-password-file', passwordFile, '--config', config);
    argv.push('--data-dir', join(work, name), '--host', address(host), '--port', '8443', '--no-demo', '--log-level', 'warn', ...extra);
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    processes.push(child);
    let log = '';
    child.stderr?.on('data', (c: Buffer) => (log += c.toString()));
    await until(`${name} started`, () => log.includes(ready) || child.exitCode !== null, { timeoutMs: 30_000, pollMs: 10 }).catch((err: Error) => {
      throw new Error(`${err.message}\n${log}`);
    });
    if (child.exitCode !== null) throw new Error(`${name} exited:\n${log}`);
    return { child, banner: log };
  };
  const mediaHosts = [await start('media1', 1, ns1, 'edge,mixer', [], 'is running'), await start('media2', 2, ns2, 'edge,mixer', [], 'is running')].map(({ child, banner }) => ({
    child,
    id: /media host (\S+) of backend/.exec(banner)?.[1] ?? '',
  }));
  await start('signaling', 1, ns1, 'signaling', ['--db', db], 'is running');
  await until('both media hosts announced', () => control.services('edge').length === 2, { pollMs: 10 });
  step('signaling (host 1) and media hosts (hosts 1 and 2) running');
  const loads = (): Map<string, number> => new Map(control.services('edge').map((s) => [s.id, s.load]));

  const source = (i: number): Int16Array => tone({ frequency: 440, dbfs: -12, samples: FRAME_SAMPLES, startSample: i * FRAME_SAMPLES });
  const api = `wss://${address(1)}:8443/api`;
  const client = { bindAddress: address(3) };
  const talker = await Operator.connect(api, 'alice', 'flight', { ...client, source });
  operators.push(talker);
  await until('alice placed', () => [...loads().values()].includes(1), { pollMs: 10 });
  const placedFirst = [...loads()].find(([, load]) => load === 1)![0];
  const listener = await Operator.connect(api, 'bob', 'ground', client);
  operators.push(listener);
  await until('bob placed on the other media host', () => [...loads().values()].every((l) => l === 1), { pollMs: 10 });
  await listener.switch('loop1', 'recv');
  await talker.switch('loop1', 'send');
  talker.startSending();
  const talkStarted = performance.now();
  const toneTimes = (media: Operator['media']) => media.received.frames().filter((f) => levelAt(f.pcm, 440) > -40).map((f) => f.arrivedAt);
  await until("bob hears alice across media hosts over routed multicast", () => toneTimes(listener.media).length >= 10, { timeoutMs: 10_000, pollMs: 10 });
  const firstHeardMs = (toneTimes(listener.media)[0] ?? 0) - talkStarted;
  step(`bob hears alice on the other media host: first tone frame ${firstHeardMs.toFixed(0)} ms after she started`);

  // Bob's media host is the one that is not alice's (hers took the first session).
  if (!mediaHosts.some((h) => h.id === placedFirst)) throw new Error(`media host ids ${mediaHosts.map((h) => h.id).join(', ')} do not include ${placedFirst}`);
  const victim = mediaHosts.find((h) => h.id !== placedFirst)!.child;
  const before = listener.media;
  const killedAt = performance.now();
  victim.kill('SIGKILL');
  await until('bob hears alice again on a new media session', () => listener.media !== before && toneTimes(listener.media).filter((t) => t > killedAt).length >= 10, { timeoutMs: 10_000, pollMs: 10 });
  const times = [...toneTimes(before), ...toneTimes(listener.media)].filter((t) => t > killedAt - 1000).sort((x, y) => x - y);
  const gapMs = Math.max(...times.slice(1).map((t, i) => t - (times[i] ?? t)));
  step(`bob's media host SIGKILLed: media_lost ${listener.losses.map((l) => l.reason).join(',')}; bob's longest silence ${gapMs.toFixed(0)} ms`);
  process.stdout.write(`${JSON.stringify({ firstHeardMs, gapMs, losses: listener.losses.map((l) => l.reason) })}\n`);
} finally {
  for (const op of operators) op.close();
  for (const p of processes) p.kill('SIGKILL');
  await control.close();
  await observer.close();
  await cluster.stop();
}
process.exit(0);
