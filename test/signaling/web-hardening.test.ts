// Issue 9, class 8 (web hardening): security headers on every HTTP response, no source maps served,
// /metrics on a separate address or behind a bearer token, and SIGTERM closes client sockets with 1001
// after which the clients resume their session on the restarted server (the real CLI as a child).
import { mkdir, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RawSocket } from '../support/fuzz-tools.js';
import { cleanupChildren, copyFixtureDb, ensureBuilt, makeTempDir, spawnLoopcast } from '../support/kill-server.js';
import { startTestServer, type TestServer } from '../support/server.js';

interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(port: number, path: string, options: { plain?: boolean; headers?: Record<string, string> } = {}): Promise<Response> {
  const send = options.plain ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const req = send({ host: '127.0.0.1', port, path, rejectUnauthorized: false, headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Sends raw bytes (TLS or plain) and collects what comes back until the server closes or `ms` pass. */
function rawExchange(port: number, text: string, options: { tls: boolean; ms?: number }): Promise<string> {
  return new Promise((resolve) => {
    const socket = options.tls ? tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }) : netConnect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(reply);
    };
    const timer = setTimeout(done, options.ms ?? 5_000);
    socket.once(options.tls ? 'secureConnect' : 'connect', () => socket.write(text));
    socket.on('data', (chunk: Buffer) => (reply += chunk.toString()));
    socket.on('close', done);
    socket.on('error', done);
  });
}

/** A built web client with a source map next to its bundle, like `vite build` with sourcemap on. */
async function fakeWebRoot(): Promise<string> {
  const root = await makeTempDir('loopcast-web-');
  await mkdir(join(root, 'assets'));
  await writeFile(join(root, 'index.html'), '<!doctype html><script type="module" src="/assets/app.js"></script>');
  await writeFile(join(root, 'assets', 'app.js'), 'console.log(1);\n//# sourceMappingURL=app.js.map\n');
  await writeFile(join(root, 'assets', 'app.js.map'), '{"version":3,"sources":["secret-source.ts"]}');
  return root;
}

const servers: TestServer[] = [];
async function serve(config: Record<string, unknown>): Promise<TestServer> {
  const server = await startTestServer({ config });
  servers.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

afterAll(async () => {
  await cleanupChildren();
});

describe('security headers', () => {
  it('sends CSP with frame-ancestors, nosniff and a referrer policy on pages, assets, API paths and errors', async () => {
    const server = await serve({ webRoot: await fakeWebRoot() });
    for (const path of ['/', '/assets/app.js', '/health', '/metrics', '/no/such/file', '/api']) {
      const res = await get(server.port, path);
      const csp = String(res.headers['content-security-policy']);
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("default-src 'self'");
      expect(csp, path).toContain("object-src 'none'");
      expect(res.headers['x-content-type-options'], path).toBe('nosniff');
      expect(res.headers['referrer-policy'], path).toBe('no-referrer');
    }
  });

  // Regression: source maps (the client sources) were served to anyone.
  it('answers *.map with 404 while the bundle itself is served', async () => {
    const server = await serve({ webRoot: await fakeWebRoot() });
    expect((await get(server.port, '/assets/app.js')).status).toBe(200);
    const map = await get(server.port, '/assets/app.js.map');
    expect(map.status).toBe(404);
    expect(map.body).not.toContain('secret-source');
  });
});

describe('/metrics access', () => {
  it('requires the bearer token when one is configured', async () => {
    const token = 'metrics-token-0123456789';
    const server = await serve({ metrics: { token } });
    expect((await get(server.port, '/metrics')).status).toBe(401);
    expect((await get(server.port, '/metrics', { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    const ok = await get(server.port, '/metrics', { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatch(/loopcast_sockets \d+/);
  });

  it('serves /metrics only on the separate address:port when one is configured', async () => {
    const server = await serve({ metrics: { host: '127.0.0.1', port: 0 } });
    expect(server.metricsPort).toBeGreaterThan(0);
    expect((await get(server.port, '/metrics')).status).toBe(404);
    const ok = await get(server.metricsPort ?? 0, '/metrics', { plain: true });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatch(/loopcast_sockets \d+/);
    expect((await get(server.metricsPort ?? 0, '/health', { plain: true })).status).toBe(404);
  });
});

describe('request targets WHATWG URL refuses', () => {
  const targets = ['http://[::1', 'http://a:b:c/', 'http://x:99999/api', 'http://%zz/'];

  it('are answered (400, or 404 for an upgrade) on the main port and the metrics port, and the server keeps serving', async () => {
    const server = await serve({ metrics: { host: '127.0.0.1', port: 0 } });
    for (const target of targets) {
      const plainGet = await rawExchange(server.port, `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`, { tls: true });
      expect(plainGet, target).toMatch(/^HTTP\/1\.1 400/);
      const upgrade = await rawExchange(
        server.port,
        `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
        { tls: true },
      );
      expect(upgrade, target).toMatch(/^HTTP\/1\.1 404/);
      const metrics = await rawExchange(server.metricsPort ?? 0, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, { tls: false });
      expect(metrics, target).toMatch(/^HTTP\/1\.1 404/);
    }
    expect((await get(server.port, '/health/live')).status).toBe(200);
    expect((await get(server.metricsPort ?? 0, '/metrics', { plain: true })).status).toBe(200);
  });
});

describe('SIGTERM', () => {
  beforeAll(async () => {
    await ensureBuilt();
  }, 180_000);

  // Regression: shutdown terminated the TCP connections (clients saw 1006, an abnormal loss).
  it('closes every client socket with 1001; the clients resume their session on the restarted server', async () => {
    const db = await copyFixtureDb();
    const dataDir = await makeTempDir('loopcast-term-');
    const first = await spawnLoopcast({ db, dataDir });
    const clients = await Promise.all(
      ['alice', 'bob'].map(async (user) => {
        const socket = await RawSocket.connect(first.apiUrl, { clientId: `${user}-keyset` });
        const reply = await socket.request('login', { user, password: user }, `login-${user}`);
        expect(reply.error).toBeUndefined();
        return { user, socket, session: String(reply.response.session) };
      }),
    );
    first.proc.kill('SIGTERM');
    const exit = await first.exited;
    expect(exit.code).toBe(0);
    for (const { socket } of clients) expect(socket.closeCode).toBe(1001);
    const second = await spawnLoopcast({ db, dataDir });
    for (const { user, session } of clients) {
      const socket = await RawSocket.connect(second.apiUrl, { clientId: `${user}-keyset` });
      const reply = await socket.request('login', { user, password: session }, `resume-${user}`);
      expect(reply.error, JSON.stringify(reply.error)).toBeUndefined();
      expect(reply.response.id).toBe(user);
      socket.close();
    }
  }, 60_000);
});
