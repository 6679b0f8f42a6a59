// The load tool's onset latency is true: with the generator and the server in two network namespaces
// and a known delay on the generator's uplink, the measured tone onset → listener p50 grows by at least
// that delay. It once read *below* the added delay (another talker's spurt-start click taken for the
// tone), and jitter lowered it. The kernel here has no netem, so test/bench/support/delay-link.py holds
// the uplink packets instead (a TUN device on the route to the server, like `netem delay 20ms 5ms`).
// Addresses (10.99.0.0/24) exist only inside the two namespaces; both are removed afterwards, and
// leftovers of a killed earlier run are removed first.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ACCOUNTS } from '../../bench/lib/directory.js';
import type { BenchResult } from '../../bench/lib/result.js';
import { loadScenario } from '../../bench/lib/scenario.js';
import { startBenchServer, type BenchServer } from '../../bench/lib/server.js';
import { ensureBuilt } from '../support/kill-server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DELAY_LINK = fileURLToPath(new URL('./support/delay-link.py', import.meta.url));
const PREFIX = 'lcnet-';
const GEN = `${PREFIX}gen-${process.pid}`;
const SRV = `${PREFIX}srv-${process.pid}`;
const GEN_ADDR = '10.99.0.2';
const SRV_ADDR = '10.99.0.1';
const GEN_MAC = '02:99:00:00:00:02';
const SRV_MAC = '02:99:00:00:00:01';
const SCENARIO = fileURLToPath(new URL('./support/netns-latency.json', import.meta.url));
const ADDED_MS = 20;
const JITTER_MS = 5;

const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' });

/** Namespaces of this test whose process is gone (a run killed before its cleanup). */
function removeLeftovers(): void {
  for (const line of ip('netns', 'list').split('\n')) {
    const m = new RegExp(`^(${PREFIX}(?:gen|srv)-(\\d+))`).exec(line);
    if (!m) continue;
    try {
      process.kill(Number(m[2]), 0);
    } catch {
      // Its server and delay line may have outlived it: they run inside that namespace and nowhere else.
      for (const pid of ip('netns', 'pids', m[1] as string).split('\n').filter(Boolean)) process.kill(Number(pid), 'SIGKILL');
      ip('netns', 'del', m[1] as string);
    }
  }
}

function createNamespaces(): void {
  ip('netns', 'add', GEN);
  ip('netns', 'add', SRV);
  for (const ns of [GEN, SRV]) ip('-n', ns, 'link', 'set', 'lo', 'up');
  ip('-n', GEN, 'link', 'add', 'veth0', 'address', GEN_MAC, 'type', 'veth', 'peer', 'name', 'veth0', 'address', SRV_MAC, 'netns', SRV);
  ip('-n', GEN, 'addr', 'add', `${GEN_ADDR}/24`, 'dev', 'veth0');
  ip('-n', SRV, 'addr', 'add', `${SRV_ADDR}/24`, 'dev', 'veth0');
  ip('-n', GEN, 'link', 'set', 'veth0', 'up');
  ip('-n', SRV, 'link', 'set', 'veth0', 'up');
  // The delay line: uplink packets are routed into a TUN device and leave through veth0 later; replies
  // come back on veth0 directly, so reverse-path filtering must not drop them.
  ip('-n', GEN, 'tuntap', 'add', 'dev', 'delay0', 'mode', 'tun');
  ip('-n', GEN, 'link', 'set', 'delay0', 'up');
  execFileSync('ip', ['netns', 'exec', GEN, 'sysctl', '-qw', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.veth0.rp_filter=0']);
}

function startDelayLink(): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', GEN, 'python3', DELAY_LINK, 'delay0', 'veth0', GEN_MAC, SRV_MAC, String(ADDED_MS), String(JITTER_MS), '13'], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('delay link did not start within 10 s')), 10_000);
    child.once('exit', (code) => reject(new Error(`delay link exited with ${code}`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', (line) => {
      clearTimeout(timer);
      if (line === 'ready') resolve(child);
      else reject(new Error(`delay link: ${line}`));
    });
  });
}

/** Runs the scenario with the generator in its namespace (the CLI, as an operator would). */
async function runGenerator(url: string, dir: string, name: string): Promise<BenchResult> {
  const out = join(dir, `${name}.json`);
  const args = ['netns', 'exec', GEN, process.execPath, '--import', 'tsx', 'bench/run.ts', SCENARIO, '--url', url, '--bind', GEN_ADDR, '--json', out];
  const child = spawn('ip', args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`generator exited with ${code}:\n${stderr}`);
  return JSON.parse(await readFile(out, 'utf8')) as BenchResult;
}

describe('load tool: onset latency across a delayed uplink (two network namespaces)', () => {
  let server: BenchServer | undefined;
  let delayLink: ChildProcess | undefined;
  let dir = '';

  beforeAll(async () => {
    await ensureBuilt();
    removeLeftovers();
    createNamespaces();
    dir = await mkdtemp(join(tmpdir(), 'loopcast-netns-'));
    delayLink = await startDelayLink();
    const scenario = await loadScenario(SCENARIO);
    server = await startBenchServer(scenario.operators, scenario.loops, DEFAULT_ACCOUNTS, { host: SRV_ADDR, netns: SRV });
  }, 60_000);

  afterAll(async () => {
    await server?.stop().catch(() => undefined);
    if (delayLink && delayLink.exitCode === null) {
      const exited = new Promise((resolve) => delayLink?.once('exit', resolve));
      delayLink.kill('SIGTERM');
      await exited;
    }
    for (const ns of [GEN, SRV]) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // never created
      }
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 30_000);

  it(`p50 grows by at least the added ${ADDED_MS} ms (± ${JITTER_MS} ms jitter), and not absurdly more`, async () => {
    const url = (server as BenchServer).apiUrl;
    const clean = await runGenerator(url, dir, 'clean');
    ip('-n', GEN, 'route', 'add', `${SRV_ADDR}/32`, 'dev', 'delay0', 'src', GEN_ADDR);
    const delayed = await runGenerator(url, dir, 'delayed');

    for (const r of [clean, delayed]) {
      expect(r.failedOperators).toBe(0);
      expect(r.latencyMs.n).toBeGreaterThan(100);
      expect(r.lossPercent).toBeLessThan(1);
    }
    const report = `clean p50 ${clean.latencyMs.p50} ms, with ${ADDED_MS} ± ${JITTER_MS} ms uplink delay p50 ${delayed.latencyMs.p50} ms`;
    // Without added delay the latency is the server's and the codecs' (playout, mixing tick, encode, decode).
    expect(clean.latencyMs.p50, report).toBeGreaterThan(10);
    // The added delay comes on top of that; jitter can only make the server buffer more, never less.
    expect(delayed.latencyMs.p50, report).toBeGreaterThanOrEqual(ADDED_MS + clean.latencyMs.p50 - 5);
    // Not absurdly more: the delay, up to three frames of extra buffering for the jitter, and scheduling slack.
    expect(delayed.latencyMs.p50, report).toBeLessThan(ADDED_MS + JITTER_MS + clean.latencyMs.p50 + 60);
  }, 60_000);
});
