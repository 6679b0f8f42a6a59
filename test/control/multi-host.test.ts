// Several hosts, simulated with network namespaces: three host namespaces, each on its own subnet
// 10.98.<i>.0/24 (veth to a router namespace; these addresses exist only inside namespaces created
// here, the host's interfaces are never touched), and the router forwarding unicast and, through
// smcrouted, the loops' multicast groups between the subnets. Hosts 1 and 2 run a NATS node and a
// backend each; host 3 the third NATS node and the clients (multi-host/run-in-namespace.ts). A talker
// on backend a is heard by a listener on backend b over routed multicast; backend a is SIGKILLed; the
// talker re-establishes on b and the listener hears again. A second scenario (multi-host/run-split.ts)
// splits backend a into a signaling process and media hosts on hosts 1 and 2; the listener's media
// host is SIGKILLed and the listener hears again through the other.
// Needs root, `ip`, `nats-server`, `smcrouted` (Debian smcroute) and dist/ (`npx tsc -p
// tsconfig.build.json`: the backends run bin/loopcast.js); the namespaces and everything running in
// them are removed also when the test fails.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const tag = `lc${process.pid}`;
const router = `${tag}rt`;
const hosts = [1, 2, 3].map((i) => `${tag}h${i}`);
const can =
  process.getuid?.() === 0 && existsSync('/usr/sbin/ip') && existsSync('/usr/sbin/smcrouted') && (existsSync('/usr/sbin/nats-server') || existsSync('/usr/local/bin/nats-server')) && existsSync('dist/cli/main.js');
const ip = (...args: string[]): void => void execFileSync('ip', args, { stdio: 'pipe' });
let work: string | undefined;
let smcrouted: ChildProcess | undefined;

/** Kills what still runs in a namespace (SIGKILL), then deletes it. */
function deleteNamespace(name: string): void {
  try {
    const pids = execFileSync('ip', ['netns', 'pids', name], { encoding: 'utf8' }).split('\n').filter(Boolean);
    for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
    ip('netns', 'del', name);
  } catch {
    // not created, or gone
  }
}

function deleteNamespaces(): void {
  for (const ns of [...hosts, router]) deleteNamespace(ns);
}

/** Namespaces left by an earlier run that was killed (its pid is in their names, and it is gone). */
function deleteLeftovers(): void {
  const names = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0] ?? '');
  for (const name of names) {
    const pid = /^lc(\d+)(?:rt|h\d)$/.exec(name)?.[1];
    if (!pid || Number(pid) === process.pid) continue;
    try {
      process.kill(Number(pid), 0);
    } catch {
      deleteNamespace(name);
    }
  }
}

afterAll(async () => {
  smcrouted?.kill('SIGKILL');
  deleteNamespaces();
  if (work) await rm(work, { recursive: true, force: true });
});

function createNamespaces(dir: string): void {
  ip('netns', 'add', router);
  ip('-n', router, 'link', 'set', 'lo', 'up');
  execFileSync('ip', ['netns', 'exec', router, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  const routes: string[] = [];
  hosts.forEach((ns, index) => {
    const i = index + 1;
    ip('netns', 'add', ns);
    ip('-n', router, 'link', 'add', `r${i}`, 'type', 'veth', 'peer', 'name', 'lan0', 'netns', ns);
    ip('-n', router, 'addr', 'add', `10.98.${i}.254/24`, 'dev', `r${i}`);
    ip('-n', router, 'link', 'set', `r${i}`, 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('-n', ns, 'addr', 'add', `10.98.${i}.1/24`, 'dev', 'lan0');
    ip('-n', ns, 'link', 'set', 'lan0', 'up');
    ip('-n', ns, 'route', 'add', 'default', 'via', `10.98.${i}.254`);
    // Multicast leaves by the LAN interface (the loop bus also pins it per socket).
    ip('-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', 'lan0');
    const others = [1, 2, 3].filter((j) => j !== i).map((j) => `r${j}`);
    routes.push(`mroute from r${i} group 239.255.0.0/16 to ${others.join(' ')}`);
  });
  writeFileSync(join(dir, 'smcroute.conf'), `${routes.join('\n')}\n`);
  smcrouted = spawn('ip', ['netns', 'exec', router, 'smcrouted', '-n', '-f', join(dir, 'smcroute.conf'), '-i', tag, '-u', join(dir, 'smcroute.sock'), '-P', join(dir, 'smcroute.pid'), '-l', 'info'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

let created = false;

/** Runs a scenario script inside host namespace 3; returns its JSON result line (and prints its steps). */
async function runScenario(script: string): Promise<Record<string, unknown>> {
  if (!created) {
    deleteLeftovers();
    work = await mkdtemp(join(tmpdir(), 'loopcast-multi-host-'));
    createNamespaces(work);
    created = true;
  }
  const child = spawn('ip', ['netns', 'exec', hosts[2]!, process.execPath, '--import', 'tsx', script, hosts[0]!, hosts[1]!, work!], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: NATS nodes and backends go with it on a timeout
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    }, 110_000);
    child.once('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  console.log(err.split('\n').filter((l) => l.startsWith('[multi-host')).join('\n'));
  expect(code, err.slice(-3000)).toBe(0);
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
}

it.skipIf(!can)('two backends on different subnets share loops over routed multicast; a SIGKILLed backend\'s talker re-establishes on the other and is heard again', async () => {
  const result = (await runScenario('test/control/multi-host/run-in-namespace.ts')) as { firstHeardMs: number; reestablishedMs: number; gapMs: number };
  console.log(`multi-host: heard across backends ${result.firstHeardMs.toFixed(0)} ms after talk start; talker re-established on b ${result.reestablishedMs.toFixed(0)} ms after the SIGKILL; listener gap ${result.gapMs.toFixed(0)} ms`);
  expect(result.firstHeardMs).toBeLessThan(2000);
  expect(result.reestablishedMs).toBeLessThan(3000);
  expect(result.gapMs).toBeLessThan(3000);
}, 120_000);

it.skipIf(!can)('signaling and media hosts on different hosts: the listener\'s SIGKILLed media host, media set up again on the other host, heard again', async () => {
  const result = (await runScenario('test/control/multi-host/run-split.ts')) as { firstHeardMs: number; gapMs: number; losses: string[] };
  console.log(`multi-host split: heard across media hosts ${result.firstHeardMs.toFixed(0)} ms after talk start; listener's media host SIGKILLed: longest silence ${result.gapMs.toFixed(0)} ms`);
  expect(result.firstHeardMs).toBeLessThan(2000);
  expect(result.losses).toEqual(['media-host-lost']);
  expect(result.gapMs).toBeLessThan(3000);
}, 120_000);
