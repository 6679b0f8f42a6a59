// A media host (`loopcast serve --services edge,mixer`, from dist/) serves its own /health/live,
// /health/ready and /metrics on plain HTTP (--http-port 0 here): readiness names NATS, its
// announcement, its capacity and its media plane; the metrics (parsed, and linted by promtool) carry
// the media plane's counters, which move when a client session is opened through a signaling process,
// and every series is labelled with backend and process role. A full host and a host whose NATS
// cluster was SIGKILLed are not ready (liveness stays 200) until a session ends / the nodes are back.
// No answer ever contains the NATS password. A mixer host (`--services mixer`) has the same listener.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAME_SAMPLES } from '../../src/media/opus.js';
import { tone } from '../../testkit/signal/index.js';
import { Operator, sleep } from '../support/media-operator.js';
import type { NatsCluster } from '../support/nats-cluster.js';
import { plainRequest, rawExchange, type PlainAnswer } from '../support/plain-http.js';
import { spawnServe, type ServeProcess } from '../support/serve-process.js';
import { startServeRig, type ServeRig } from '../support/serve-rig.js';
import { promtoolCheckMetrics } from '../ops/scrape.js';

/**
 * The samples of an exposition, read line by line (parse-prometheus-text-format drops the labels of
 * histogram series, and every series here is labelled); promtool checks the format itself.
 */
class Exposition {
  readonly types = new Map<string, string>();
  readonly samples: Array<{ name: string; labels: Record<string, string>; value: number }> = [];

  constructor(readonly text: string) {
    for (const line of text.split('\n')) {
      const type = /^# TYPE (\S+) (\S+)$/.exec(line);
      if (type) this.types.set(type[1]!, type[2]!);
      if (line === '' || line.startsWith('#')) continue;
      const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!sample) throw new Error(`not a sample line: ${line}`);
      const labels: Record<string, string> = {};
      for (const [, name, value] of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[name!] = value!;
      this.samples.push({ name: sample[1]!, labels, value: Number(sample[3]) });
    }
  }

  /** Sum of the samples of `name` (a histogram's `_count`, `_sum` too) that carry `labels`. */
  value(name: string, labels: Record<string, string> = {}): number {
    const matching = this.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    if (matching.length === 0) throw new Error(`no sample ${name} ${JSON.stringify(labels)}`);
    return matching.reduce((sum, s) => sum + s.value, 0);
  }
}

interface Report {
  status: string;
  checks: Record<string, { ok: boolean; detail?: string }>;
  connections: number;
}

describe('a media host serves health and metrics', () => {
  let rig: ServeRig;
  let cluster: NatsCluster;
  let dir: string;
  let host: ServeProcess;
  let signaling: ServeProcess;
  let httpPort: number;
  const operators: Operator[] = [];
  const processArgs = { common: [] as string[], local: [] as string[] };
  /** Every answer of the host, checked for secrets at the end. */
  const answers: PlainAnswer[] = [];

  const ask = async (path: string, method = 'GET'): Promise<PlainAnswer> => {
    const answer = await plainRequest(httpPort, path, { method });
    answers.push(answer);
    return answer;
  };
  const ready = async (): Promise<{ status: number; report: Report }> => {
    const answer = await ask('/health/ready');
    return { status: answer.status, report: JSON.parse(answer.body) as Report };
  };
  const scrape = async (): Promise<Exposition> => new Exposition((await ask('/metrics')).body);
  async function until<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, ms = 10_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await read();
      if (ok(value)) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
      await sleep(100);
    }
  }
  const readyIs = (status: number, ms?: number) => until(`readiness ${status}`, ready, (r) => r.status === status, ms);

  beforeAll(async () => {
    rig = await startServeRig('media-host-http', { maxSessions: 2 });
    cluster = rig.cluster;
    dir = rig.dir;
    const { db, common, local } = rig;
    Object.assign(processArgs, { common, local });
    host = await spawnServe(['--services', 'edge,mixer', ...common, ...local, '--data-dir', join(dir, 'host'), '--http-port', '0'], 'media host ready');
    httpPort = Number(host.ready.httpPort);
    signaling = await spawnServe(['--services', 'signaling', ...common, ...local, '--db', db, '--data-dir', join(dir, 'signaling'), '--no-demo'], 'loopcast listening');
  }, 90_000);

  afterAll(async () => {
    for (const op of operators) op.close();
    await rig?.stop();
  });

  it('idle: live, ready with its checks, and metrics of the media plane, process and control plane', async () => {
    expect(httpPort).toBeGreaterThan(0);
    const live = await ask('/health/live');
    expect(live.status).toBe(200);
    expect(live.headers['content-type']).toBe('application/json');
    expect(JSON.parse(live.body)).toMatchObject({ status: 'ok', connections: 0 });

    const { report } = await readyIs(200);
    expect(Object.keys(report.checks).sort()).toEqual(['announced', 'capacity', 'control_plane', 'media_clock', 'media_udp']);
    expect(report.checks.capacity).toEqual({ ok: true, detail: '0 of 2 session(s)' });
    expect(report.checks.control_plane?.detail).toMatch(/^NATS round trip/);

    const answer = await ask('/metrics');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe(new Registry().contentType);
    const metrics = new Exposition(answer.body);
    for (const name of [
      'loopcast_media_sessions',
      'loopcast_rtp_in_packets_total',
      'loopcast_rtp_out_packets_total',
      'loopcast_uplink_dtx_dropped_total',
      'loopcast_mixer_workers_lost_total',
      'loopcast_mixer_encodes_total',
      'loopcast_mix_tick_seconds',
      'loopcast_clock_lateness_seconds',
      'loopcast_uplink_loss_ratio',
      'loopcast_downlink_rtt_seconds',
      'loopcast_build_info',
      'loopcast_process_cpu_seconds_total',
      'loopcast_nodejs_eventloop_lag_seconds',
    ]) {
      expect(metrics.types.has(name), name).toBe(true);
    }
    expect(metrics.types.has('loopcast_sockets'), 'no signaling metrics on a media host').toBe(false);
    expect(metrics.types.get('loopcast_mix_tick_seconds')).toBe('histogram');
    expect(metrics.value('loopcast_media_sessions')).toBe(0);
    expect(metrics.value('loopcast_service_capacity_sessions')).toBe(2);
    expect(metrics.value('loopcast_control_plane_connected')).toBe(1);
    expect(metrics.value('loopcast_service_announced')).toBe(1);
    expect(metrics.value('loopcast_service_info', { id: String(host.ready.id), services: 'edge,mixer' })).toBe(1);
    // Several hosts of several backends are told apart: every series names its backend and role.
    expect(metrics.samples.length).toBeGreaterThan(100);
    for (const sample of metrics.samples) expect(sample.labels, sample.name).toMatchObject({ backend: 'a', process_role: 'media-host' });
    // Everything the media-host alert rules query is exposed, with the labels they group by.
    const rules = await readFile(new URL('../../deploy/prometheus/loopcast-media-alerts.yml', import.meta.url), 'utf8');
    const queried = new Set([...rules.matchAll(/\b(loopcast_[a-z0-9_]+)/g)].map((m) => m[1]!));
    expect(queried.size).toBeGreaterThanOrEqual(3);
    for (const name of queried) expect(metrics.value(name, { process_role: 'media-host' }), name).toBeGreaterThanOrEqual(0);
    // promtool: an independent parser and linter (only prom-client's own *_total gauges are excused).
    const lint = await promtoolCheckMetrics(answer.body);
    const problems = lint.output.split('\n').filter((line) => line.trim() !== '' && !/^loopcast_nodejs_active_\w+_total non-counter/.test(line));
    expect(problems, lint.output).toEqual([]);
  });

  it('a mixer host (--services mixer) serves the same endpoints with its own role and checks', async () => {
    const mixer = await spawnServe(['--services', 'mixer', ...processArgs.common, ...processArgs.local, '--data-dir', join(dir, 'mixer')], 'mixer host ready');
    const port = Number(mixer.ready.httpPort);
    expect(port).toBeGreaterThan(0);
    expect(port).not.toBe(httpPort);
    const readyMixer = await until(
      'mixer host ready',
      () => plainRequest(port, '/health/ready'),
      (a) => a.status === 200,
    );
    const report = JSON.parse(readyMixer.body) as Report;
    expect(Object.keys(report.checks).sort()).toEqual(['announced', 'capacity', 'control_plane']);
    expect(report.checks.capacity).toEqual({ ok: true, detail: '0 of 2 listener(s)' });
    const metrics = new Exposition((await plainRequest(port, '/metrics')).body);
    expect(metrics.value('loopcast_service_info', { id: String(mixer.ready.id), services: 'mixer' })).toBe(1);
    expect(metrics.value('loopcast_control_plane_connected')).toBe(1);
    for (const sample of metrics.samples) expect(sample.labels, sample.name).toMatchObject({ backend: 'a', process_role: 'mixer-host' });
    expect((await plainRequest(port, '/health/ready', { method: 'POST' })).status).toBe(405);
    await mixer.kill('SIGTERM');
  });

  it('sessions opened through signaling move its counters; a full host is not ready until one ends', async () => {
    const apiUrl = `wss://127.0.0.1:${String(signaling.ready.port)}/api`;
    const source = (i: number): Int16Array => tone({ frequency: 440, dbfs: -12, samples: FRAME_SAMPLES, startSample: i * FRAME_SAMPLES });
    const alice = await Operator.connect(apiUrl, 'alice', 'flight', { source });
    operators.push(alice);
    await until('one session on the host', scrape, (m) => m.value('loopcast_media_sessions') === 1);
    const bob = await Operator.connect(apiUrl, 'bob', 'ground');
    operators.push(bob);
    await bob.switch('loop1', 'recv');
    await alice.switch('loop1', 'send');
    alice.media.startSending();
    const busy = await until(
      'RTP in and out, mixer ticks',
      scrape,
      (m) => m.value('loopcast_rtp_in_packets_total') > 0 && m.value('loopcast_rtp_out_packets_total') > 0 && m.value('loopcast_mix_tick_seconds_count') > 0,
    );
    expect(busy.value('loopcast_media_sessions')).toBe(2);
    expect(busy.value('loopcast_mixer_workers_lost_total')).toBe(0);

    // Two of two sessions: alive, but it can take no further session.
    const full = await readyIs(503);
    expect(full.report.checks.capacity).toEqual({ ok: false, detail: 'full: 2 of 2 session(s)' });
    expect(full.report.connections).toBe(2);
    expect((await ask('/health/live')).status).toBe(200);
    bob.close();
    const freed = await readyIs(200);
    expect(freed.report.checks.capacity).toEqual({ ok: true, detail: '1 of 2 session(s)' });
    alice.close();
    await until('no session on the host', scrape, (m) => m.value('loopcast_media_sessions') === 0);
  }, 60_000);

  it('not ready while its NATS cluster is down (SIGKILL), ready again once it is back', async () => {
    await readyIs(200);
    await Promise.all(cluster.nodes.map((_, i) => cluster.kill(i)));
    const down = await readyIs(503);
    expect(down.report.checks.control_plane).toMatchObject({ ok: false });
    expect(down.report.checks.control_plane?.detail).toMatch(/NATS/);
    expect((await ask('/health/live')).status, 'alive all along').toBe(200);
    const cut = await until('disconnected and no longer announced', scrape, (m) => m.value('loopcast_control_plane_connected') === 0 && m.value('loopcast_service_announced') === 0);
    expect(cut.value('loopcast_control_plane_disconnects_total')).toBeGreaterThanOrEqual(1);
    const unannounced = await readyIs(503);
    expect(unannounced.report.checks.announced?.ok).toBe(false);

    await Promise.all(cluster.nodes.map((_, i) => cluster.restart(i)));
    const back = await readyIs(200, 20_000);
    expect(back.report.checks.announced).toEqual({ ok: true });
    const healed = await scrape();
    expect(healed.value('loopcast_control_plane_connected')).toBe(1);
    expect(healed.value('loopcast_service_announced')).toBe(1);
  }, 60_000);

  it('answers nothing else: unknown paths 404, other methods 405; no answer holds the NATS password', async () => {
    for (const path of ['/', '/api', '/config', '/health/x', '/metrics.json', '/debug/pprof']) expect((await ask(path)).status, path).toBe(404);
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const answer = await ask('/health/ready', method);
      expect(answer.status, method).toBe(405);
      expect(answer.headers.allow).toBe('GET, HEAD');
    }
    // A target that does not parse: 400, and the process (which has no safety net) keeps serving.
    const crafted = await rawExchange(httpPort, 'GET http://[::1 HTTP/1.1\r\nHost: x\r\n\r\n', 5_000);
    expect(crafted.reply).toMatch(/^HTTP\/1\.1 400/);
    expect((await ask('/health/live')).status).toBe(200);
    expect(host.proc.exitCode).toBeNull();
    expect(answers.length).toBeGreaterThan(20);
    for (const answer of answers) expect(answer.body).not.toContain(cluster.password);
  });

  it('refuses --http-port beside signaling (that process serves them on its HTTPS port)', async () => {
    const bin = fileURLToPath(new URL('../../bin/loopcast.js', import.meta.url));
    const child = spawn(process.execPath, [bin, 'serve', '--services', 'signaling', '--backend', 'a', '--nats', 'nats://127.0.0.1:1', '--nats-user', 'u', '--nats-password-file', join(dir, 'nats-password'), '--http-port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/--http-host\/--http-port: a process with signaling serves \/health and \/metrics on its HTTPS port/);
  });
});
