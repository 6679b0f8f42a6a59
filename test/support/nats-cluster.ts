// A NATS cluster for tests: N `nats-server` nodes with JetStream, on loopback (or on the addresses of
// network namespaces, through `wrap`), clients authenticated by user/password, optional TLS with a
// certificate generated here. Every node is killed when the test ends, also when the test fails.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { generate } from 'selfsigned';
import { freePort } from './ports.js';

export interface NatsNode {
  name: string;
  url: string;
  /** The node's monitoring endpoint (`/healthz`, `/jsz`). */
  monitorUrl: string;
  process: ChildProcess | undefined;
}

export interface NatsCluster {
  nodes: NatsNode[];
  urls: string[];
  user: string;
  password: string;
  /** PEM of the CA the clients must trust (TLS on). */
  caFile?: string;
  kill(index: number, signal?: NodeJS.Signals): Promise<void>;
  restart(index: number): Promise<void>;
  /** Until every running node's `/healthz` is ok: in contact with the JetStream meta leader and current with it, its streams and consumers current. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  nodes?: number;
  tls?: boolean;
  /** Host of node i (default 127.0.0.1); with namespaces, an address inside node i's namespace. */
  host?: (index: number) => string;
  /** Command prefix for node i, e.g. ['ip', 'netns', 'exec', 'h1']. */
  wrap?: (index: number) => string[];
}

const alive = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of alive) child.kill('SIGKILL');
});

function waitReady(child: ChildProcess, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`nats ${name} not ready in 10 s:\n${log}`)), 10_000);
    const onData = (chunk: Buffer): void => {
      log += chunk.toString();
      if (log.includes('Server is ready')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stderr?.on('data', onData);
    child.stdout?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nats ${name} exited (${String(code)}):\n${log}`));
    });
  });
}

/** `/healthz` of one node: "ok", or why not (no meta leader yet, not current with it, a stream behind). */
async function health(node: NatsNode): Promise<string> {
  try {
    const response = await fetch(`${node.monitorUrl}/healthz`, { signal: AbortSignal.timeout(1000) });
    const body = (await response.json()) as { status?: string; error?: string };
    return body.status === 'ok' ? 'ok' : `${node.name}: ${body.error ?? body.status ?? response.status}`;
  } catch (err) {
    return `${node.name}: ${(err as Error).message}`;
  }
}

async function waitHealthy(nodes: NatsNode[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const running = nodes.filter((n) => n.process && n.process.exitCode === null && n.process.signalCode === null);
    const problems = (await Promise.all(running.map(health))).filter((h) => h !== 'ok');
    if (problems.length === 0) return;
    if (Date.now() > deadline) throw new Error(`nats cluster not healthy within ${timeoutMs} ms: ${problems.join('; ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** JetStream answers once the cluster elected its meta leader: wait for that (bounded). */
async function waitJetStream(cluster: NatsCluster): Promise<void> {
  const deadline = Date.now() + 15_000;
  const connection = await connect({
    servers: cluster.urls,
    user: cluster.user,
    pass: cluster.password,
    ...(cluster.caFile ? { tls: { caFile: cluster.caFile } } : {}),
  });
  try {
    for (;;) {
      try {
        await (await connection.jetstreamManager({ timeout: 1000 })).getAccountInfo();
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    await connection.close();
  }
}

export async function startNatsCluster(options: ClusterOptions = {}): Promise<NatsCluster> {
  const count = options.nodes ?? 3;
  const host = options.host ?? (() => '127.0.0.1');
  const dir = await mkdtemp(join(tmpdir(), 'loopcast-nats-'));
  const user = 'loopcast';
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  let caFile: string | undefined;
  let tlsBlock = '';
  if (options.tls) {
    const hosts = [...new Set(Array.from({ length: count }, (_, i) => host(i)))];
    const pems = await generate([{ name: 'commonName', value: 'loopcast-test-nats' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      extensions: [
        { name: 'basicConstraints', cA: true },
        { name: 'subjectAltName', altNames: [{ type: 2 as const, value: 'localhost' }, ...hosts.map((ip) => ({ type: 7 as const, ip }))] },
      ],
    });
    await writeFile(join(dir, 'key.pem'), pems.private);
    await writeFile(join(dir, 'cert.pem'), pems.cert);
    caFile = join(dir, 'cert.pem');
    tlsBlock = `tls { cert_file: "${join(dir, 'cert.pem')}", key_file: "${join(dir, 'key.pem')}" }`;
  }
  const clientPorts = await Promise.all(Array.from({ length: count }, () => freePort()));
  const routePorts = await Promise.all(Array.from({ length: count }, () => freePort()));
  const monitorPorts = await Promise.all(Array.from({ length: count }, () => freePort()));
  const nodes: NatsNode[] = [];
  const configs: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `n${i}`;
    const routes = routePorts.map((p, j) => `nats-route://route:${password}@${host(j)}:${p}`).filter((_, j) => j !== i);
    const config = join(dir, `${name}.conf`);
    await writeFile(
      config,
      `server_name: ${name}
listen: "${host(i)}:${clientPorts[i]}"
http: "${host(i)}:${monitorPorts[i]}"
jetstream { store_dir: "${join(dir, name)}", max_memory_store: 64MB, max_file_store: 256MB }
authorization { users: [ { user: "${user}", password: "${password}" } ] }
${tlsBlock}
cluster {
  name: loopcast-test
  listen: "${host(i)}:${routePorts[i]}"
  authorization { user: route, password: "${password}" }
  routes: [ ${routes.map((r) => `"${r}"`).join(', ')} ]
}
`,
    );
    configs.push(config);
    nodes.push({ name, url: `${options.tls ? 'tls' : 'nats'}://${host(i)}:${clientPorts[i]}`, monitorUrl: `http://${host(i)}:${monitorPorts[i]}`, process: undefined });
  }
  const launch = async (i: number): Promise<void> => {
    const argv = [...(options.wrap?.(i) ?? []), 'nats-server', '-c', configs[i]!];
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    alive.add(child);
    child.once('exit', () => alive.delete(child));
    nodes[i]!.process = child;
    await waitReady(child, nodes[i]!.name);
  };
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((_, i) => cluster.kill(i)));
    await rm(dir, { recursive: true, force: true });
  };
  const cluster: NatsCluster = {
    nodes,
    urls: nodes.map((n) => n.url),
    user,
    password,
    ...(caFile ? { caFile } : {}),
    async kill(index, signal = 'SIGKILL') {
      const child = nodes[index]?.process;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
    },
    restart: launch,
    waitHealthy: (timeoutMs = 20_000) => waitHealthy(nodes, timeoutMs),
    stop,
  };
  try {
    await Promise.all(nodes.map((_, i) => launch(i)));
    // Every node in contact with the meta leader and current with it before the first stream is
    // created: a node still catching up answers its part of a stream or consumer create late.
    await waitHealthy(nodes, 20_000);
    await waitJetStream(cluster);
  } catch (err) {
    await stop();
    throw err;
  }
  return cluster;
}
