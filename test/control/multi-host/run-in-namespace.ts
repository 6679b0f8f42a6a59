// The multi-host scenario, run by multi-host.test.ts INSIDE host namespace 3 (the test process has
// no address on the simulated network). Hosts 1 and 2 each run a NATS node and a backend (`loopcast
// serve`, multicast loop bus pinned to the host's address, TTL 2 to cross the multicast router);
// host 3 runs the third NATS node and the operators' clients. Prints one JSON line with the measurements on stdout.
// argv: <ns1> <ns2> <work dir>
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FRAME_SAMPLES } from '../../../src/media/opus.js';
import { levelAt, tone } from '../../../testkit/signal/index.js';
import { Operator } from '../../support/media-operator.js';
import { startNatsCluster } from '../../support/nats-cluster.js';
import { copyFixture } from '../../support/server.js';
import { until } from '../../support/until.js';

const [ns1, ns2, work] = process.argv.slice(2) as [string, string, string];
const address = (host: number): string => `10.98.${host}.1`;
const step = (msg: string): void => void process.stderr.write(`[multi-host ${(performance.now() / 1000).toFixed(1)} s] ${msg}\n`);

/**
 * The fixture directory with its loops moved from 224.0.0.1 (link-local: routers never forward it,
 * RFC 5771) to 239.255.98.1, administratively scoped and routable between the subnets.
 */
async function routableFixture(): Promise<string> {
  const db = await copyFixture();
  const file = join(db, 'auth', '127.0.0.1', 'mcc@127.0.0.1', 'config.json');
  await writeFile(file, (await readFile(file, 'utf8')).replaceAll('"host": "224.0.0.1"', '"host": "239.255.98.1"'));
  return db;
}

const cluster = await startNatsCluster({ host: (i) => address(i + 1), wrap: (i) => (i < 2 ? ['ip', 'netns', 'exec', i === 0 ? ns1 : ns2] : []) });
const backends: ChildProcess[] = [];
const operators: Operator[] = [];
try {
  step('NATS cluster up');
  const passwordFile = join(work, 'nats-password');
  await writeFile(passwordFile, cluster.password, { mode: 0o600 });

  const startBackend = async (name: string, host: number, ns: string): Promise<ChildProcess> => {
    const config = join(work, `${name}.json`);
    const media = { enabled: true, bindAddress: address(host), port: 8443, bus: 'multicast', multicast: { interface: address(host), ttl: 2 } };
    await writeFile(config, JSON.stringify({ media }));
    const argv = ['ip', 'netns', 'exec', ns, process.execPath, 'bin/loopcast.js', 'serve', '--backend', name, '--services', 'signaling,edge,mixer,recorder'];
    argv.push('--nats', cluster.urls[host - 1]!, '--nats-user', cluster.user, '--nats-password-file', passwordFile, '--config', config);
    argv.push('--db', await routableFixture(), '--data-dir', join(work, name), '--host', address(host), '--port', '8443', '--no-demo', '--log-level', 'warn');
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    backends.push(child);
    let log = '';
    child.stderr?.on('data', (c: Buffer) => (log += c.toString()));
    await until(`backend ${name} started`, () => log.includes('is running') || child.exitCode !== null, { timeoutMs: 30_000, pollMs: 10 }).catch((err: Error) => {
      throw new Error(`${err.message}\n${log}`);
    });
    if (child.exitCode !== null) throw new Error(`backend ${name} exited:\n${log}`);
    return child;
  };
  const backendA = await startBackend('a', 1, ns1);
  await startBackend('b', 2, ns2);
  step('backends a (host 1) and b (host 2) running');

  const source = (i: number): Int16Array => tone({ frequency: 440, dbfs: -12, samples: FRAME_SAMPLES, startSample: i * FRAME_SAMPLES });
  const api = (host: number): string => `wss://${address(host)}:8443/api`;
  const client = { bindAddress: address(3) };
  const listener = await Operator.connect(api(2), 'bob', 'ground', client);
  operators.push(listener);
  await listener.switch('loop1', 'recv');
  let talker = await Operator.connect(api(1), 'alice', 'flight', { ...client, source });
  operators.push(talker);
  await talker.switch('loop1', 'send');
  const talkStarted = performance.now();
  talker.startSending();
  const toneFrames = () => listener.media.received.frames().filter((f) => levelAt(f.pcm, 440) > -40);
  await until("bob (backend b) hears alice (backend a) over multicast", () => toneFrames().length >= 10, { timeoutMs: 10_000, pollMs: 10 });
  const firstHeardMs = (toneFrames()[0]?.arrivedAt ?? 0) - talkStarted;
  step(`bob on b hears alice on a: first tone frame ${firstHeardMs.toFixed(0)} ms after she started`);

  // SIGKILL of the whole backend a (`ip netns exec` execs: the pid is the backend's).
  const killedAt = performance.now();
  backendA.kill('SIGKILL');
  // Alice's client sees its socket close and re-establishes on backend b.
  await until("alice's socket closed", () => talker.signaling.closeCode !== undefined, { timeoutMs: 10_000, pollMs: 10 });
  talker.close();
  talker = await Operator.connect(api(2), 'alice', 'flight', { ...client, source });
  operators.push(talker);
  await talker.switch('loop1', 'send');
  talker.startSending();
  const resumedAt = performance.now();
  const reestablishedMs = resumedAt - killedAt;
  // Heard again: 10 tone frames after alice sends through b (b's concealment of her last packets
  // on a may carry the tone for a few frames after the kill: those do not count).
  await until('bob hears alice again', () => toneFrames().filter((f) => f.arrivedAt > resumedAt).length >= 10, { timeoutMs: 10_000, pollMs: 10 });
  // The gap is the longest silence between two tone frames around the kill.
  const times = toneFrames().map((f) => f.arrivedAt).filter((t) => t > killedAt - 1000).sort((x, y) => x - y);
  const gapMs = Math.max(...times.slice(1).map((t, i) => t - (times[i] ?? t)));
  step(`alice re-established on b ${reestablishedMs.toFixed(0)} ms after the SIGKILL; bob's longest silence ${gapMs.toFixed(0)} ms`);
  process.stdout.write(`${JSON.stringify({ firstHeardMs, reestablishedMs, gapMs })}\n`);
} finally {
  for (const op of operators) op.close();
  for (const b of backends) b.kill('SIGKILL');
  await cluster.stop();
}
process.exit(0);
