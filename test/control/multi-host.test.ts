// Several hosts, simulated with network namespaces: a switch namespace holding a bridge, three host
// namespaces attached by veth pairs (10.98.0.1-3/24, only inside namespaces created here; the host's
// interfaces are never touched), multicast routed onto each host's LAN interface. Hosts 1 and 2 run
// a NATS node and a backend each; host 3 the third NATS node and the clients
// (multi-host/run-in-namespace.ts). A talker on backend a is heard by a listener on backend b over
// real multicast; backend a is SIGKILLed; the talker re-establishes on b and the listener hears again.
// Needs root, `ip`, `nats-server` and dist/ (`npx tsc -p tsconfig.build.json`: the backends run
// bin/loopcast.js); the namespaces are deleted also when the test fails.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const tag = `lc${process.pid}`;
const sw = `${tag}sw`;
const hosts = [1, 2, 3].map((i) => `${tag}h${i}`);
const can = process.getuid?.() === 0 && existsSync('/usr/sbin/ip') && (existsSync('/usr/sbin/nats-server') || existsSync('/usr/local/bin/nats-server')) && existsSync('dist/cli/main.js');
const ip = (...args: string[]): void => void execFileSync('ip', args, { stdio: 'pipe' });
let work: string | undefined;

function deleteNamespaces(): void {
  for (const ns of [...hosts, sw]) {
    try {
      ip('netns', 'del', ns);
    } catch {
      // not created
    }
  }
}

/** Namespaces left by an earlier run that was killed (its pid is in their names, and it is gone). */
function deleteLeftovers(): void {
  const names = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0] ?? '');
  for (const name of names) {
    const pid = /^lc(\d+)(?:sw|h\d)$/.exec(name)?.[1];
    if (!pid || Number(pid) === process.pid) continue;
    try {
      process.kill(Number(pid), 0);
    } catch {
      ip('netns', 'del', name);
    }
  }
}

afterAll(async () => {
  deleteNamespaces();
  if (work) await rm(work, { recursive: true, force: true });
});

function createNamespaces(): void {
  ip('netns', 'add', sw);
  ip('-n', sw, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0');
  ip('-n', sw, 'link', 'set', 'br0', 'up');
  hosts.forEach((ns, i) => {
    ip('netns', 'add', ns);
    ip('-n', sw, 'link', 'add', `p${i + 1}`, 'type', 'veth', 'peer', 'name', 'lan0', 'netns', ns);
    ip('-n', sw, 'link', 'set', `p${i + 1}`, 'master', 'br0', 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('-n', ns, 'addr', 'add', `10.98.0.${i + 1}/24`, 'dev', 'lan0');
    ip('-n', ns, 'link', 'set', 'lan0', 'up');
    // Multicast leaves by the LAN interface (the loop bus also pins it per socket).
    ip('-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', 'lan0');
  });
}

it.skipIf(!can)('two backends share loops over multicast; a SIGKILLed backend\'s talker re-establishes on the other and is heard again', async () => {
  deleteLeftovers();
  createNamespaces();
  work = await mkdtemp(join(tmpdir(), 'loopcast-multi-host-'));
  const child = spawn('ip', ['netns', 'exec', hosts[2]!, process.execPath, '--import', 'tsx', 'test/control/multi-host/run-in-namespace.ts', hosts[0]!, hosts[1]!, work], {
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
  const result = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { firstHeardMs: number; reestablishedMs: number; gapMs: number };
  console.log(`multi-host: heard across backends ${result.firstHeardMs.toFixed(0)} ms after talk start; talker re-established on b ${result.reestablishedMs.toFixed(0)} ms after the SIGKILL; listener gap ${result.gapMs.toFixed(0)} ms`);
  expect(result.firstHeardMs).toBeLessThan(2000);
  expect(result.reestablishedMs).toBeLessThan(3000);
  expect(result.gapMs).toBeLessThan(3000);
}, 120_000);
