// HTTPS server: WebSocket signaling at /api, /health, /metrics (Prometheus), static web clients at /.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { Connection, type ConnectionFault, type ConnectionLimits } from './connection.js';
import { Dispatcher, type DispatchLimits } from './dispatcher.js';
import { leaveEverything } from './handlers/leave.js';
import { listenMetrics, serveMetrics, type MetricsAccess } from '../health/metrics-endpoint.js';
import { requestPath } from '../health/request-path.js';
import { setSecurityHeaders } from '../health/security-headers.js';
import type { Services } from './services.js';
import { isHealthPath, serveHealth } from '../health/http.js';
import { closeCodeLabel } from '../metrics/registry.js';
import type { TlsMaterial } from './tls.js';
import { StaticFiles, type WebMount } from './static-files.js';

export interface SignalingOptions {
  host: string;
  port: number;
  tls: TlsMaterial;
  /** Allowed Origin values; `['*']` allows any. Default: same origin, or no Origin (non-browser clients). */
  allowedOrigins?: readonly string[];
  limits: ConnectionLimits & DispatchLimits & SocketLimits;
  /** Built web clients: the keyset at `/`, the admin console at `/admin`. */
  web?: readonly WebMount[];
  /** Further HTTPS routes by path prefix (e.g. `/recordings/`, src/recorder/http-route.ts). */
  routes?: ReadonlyArray<{ prefix: string; handle(req: IncomingMessage, res: ServerResponse): void }>;
  /** Interval of WebSocket pings that detect dead peers. */
  keepaliveMs?: number;
  /** Where and for whom /metrics is served (default: on this port, open). */
  metrics?: MetricsAccess;
}

/** Socket-level limits: a socket that is not logged in must log in in time, and one address may hold only so many of them. */
export interface SocketLimits {
  loginTimeoutMs: number;
  maxAnonymousPerAddress: number;
}

/** How long clients get to answer the 1001 close on shutdown before their TCP connection is cut. */
const SHUTDOWN_GRACE_MS = 1_000;

function describeFault(fault: ConnectionFault): Record<string, unknown> {
  return fault.kind === 'slow-reader' ? { fault: fault.kind, buffered: fault.buffered } : { fault: fault.kind, err: fault.err };
}

/** A hard cap far above the application limit: ws closes with 1009 beyond it (nothing is parsed). */
const HARD_FRAME_LIMIT = 1024 * 1024;

export function originAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[] | undefined): boolean {
  if (allowed?.includes('*')) return true;
  if (origin === undefined) return true;
  if (allowed?.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

export class SignalingServer {
  private readonly https: Server;
  private readonly wss: WebSocketServer;
  private readonly dispatcher: Dispatcher;
  private readonly statics: StaticFiles | undefined;
  private keepalive: NodeJS.Timeout | undefined;
  private readonly alive = new WeakMap<WebSocket, boolean>();
  private metricsServer: HttpServer | undefined;
  /** Port of the separate metrics listener, when configured. */
  metricsPort: number | undefined;

  constructor(
    private readonly services: Services,
    private readonly options: SignalingOptions,
  ) {
    this.dispatcher = new Dispatcher(services, options.limits);
    this.statics = options.web && options.web.length > 0 ? new StaticFiles(options.web) : undefined;
    this.https = createServer({ key: options.tls.key, cert: options.tls.cert }, (req, res) => this.onHttp(req, res));
    this.wss = new WebSocketServer({ noServer: true, maxPayload: HARD_FRAME_LIMIT, perMessageDeflate: false });
    this.https.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    this.https.on('tlsClientError', () => undefined);
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.https.once('error', reject);
      this.https.listen(this.options.port, this.options.host, () => {
        this.https.off('error', reject);
        resolve();
      });
    });
    const access = this.options.metrics;
    if (access?.listen) {
      try {
        const { server, port } = await listenMetrics(this.services.metrics, { ...access, listen: access.listen });
        this.metricsServer = server;
        this.metricsPort = port;
      } catch (err) {
        await new Promise<void>((resolve) => this.https.close(() => resolve()));
        throw err;
      }
    }
    const interval = this.options.keepaliveMs ?? 30_000;
    this.keepalive = setInterval(() => this.pingAll(), interval);
    this.keepalive.unref();
    return (this.https.address() as AddressInfo).port;
  }

  private pingAll(): void {
    for (const ws of this.wss.clients) {
      if (this.alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      this.alive.set(ws, false);
      ws.ping();
    }
  }

  private onHttp(req: IncomingMessage, res: ServerResponse): void {
    setSecurityHeaders(res);
    const path = requestPath(req.url);
    if (path === undefined) {
      res.writeHead(400, { 'content-type': 'text/plain', connection: 'close' });
      res.end('bad request target\n');
      return;
    }
    const route = this.options.routes?.find((r) => path.startsWith(r.prefix));
    if (route) return route.handle(req, res);
    if (isHealthPath(path)) return serveHealth(path, this.services.health, this.services.hub.connections.size, res);
    if (path === '/metrics') {
      if (!this.options.metrics?.listen) return serveMetrics(this.services.metrics, this.options.metrics ?? {}, req, res);
      // With a separate metrics address, the public port does not serve them at all.
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
      return;
    }
    // Source maps are build artefacts for developers, not for whoever reaches the client LAN.
    const sourceMap = path.endsWith('.map');
    if (this.statics && !sourceMap && (req.method === 'GET' || req.method === 'HEAD') && this.statics.serve(path, req, res)) return;
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end(path === '/' ? 'Loopcast signaling server: WebSocket API at /api. The keyset client is not built.\n' : 'not found\n');
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (requestPath(req.url) !== '/api') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    if (!originAllowed(req.headers.origin, req.headers.host, this.options.allowedOrigins)) {
      this.services.log.warn({ origin: req.headers.origin, address: req.socket.remoteAddress }, 'websocket origin refused');
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, req));
  }

  private anonymousFrom(address: string): number {
    let count = 0;
    for (const c of this.services.hub.connections) if (!c.login && !c.closed && c.remoteAddress === address) count++;
    return count;
  }

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    const conn = new Connection(ws, req.socket.remoteAddress ?? 'unknown', this.options.limits);
    const { hub, log } = this.services;
    const { loginTimeoutMs, maxAnonymousPerAddress } = this.options.limits;
    const crowded = this.anonymousFrom(conn.remoteAddress) >= maxAnonymousPerAddress;
    hub.add(conn);
    this.services.metrics.sockets.inc();
    this.alive.set(ws, true);
    log.info({ conn: conn.id, address: conn.remoteAddress }, 'socket connected');
    conn.onFault = (fault) => log.warn({ conn: conn.id, user: conn.login?.user, address: conn.remoteAddress, ...describeFault(fault) }, 'socket dropped');
    const deadline = setTimeout(() => {
      if (conn.login || conn.closed) return;
      log.info({ conn: conn.id, address: conn.remoteAddress }, 'no login before the deadline: closing socket');
      conn.close(1008, 'login deadline passed');
    }, loginTimeoutMs);
    deadline.unref();
    ws.on('pong', () => this.alive.set(ws, true));
    ws.on('message', (data, isBinary) => {
      // The dispatcher never throws by design; should it, only this socket pays.
      try {
        const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer);
        this.dispatcher.receive(conn, buffer, isBinary);
      } catch (err) {
        conn.drop({ kind: 'internal', err });
      }
    });
    ws.on('error', (err) => log.info({ conn: conn.id, err: err.message }, 'socket error'));
    ws.on('close', (code) => {
      clearTimeout(deadline);
      try {
        leaveEverything(this.services, conn);
      } catch (err) {
        log.error({ conn: conn.id, err }, 'cleanup of a closed socket failed');
      }
      conn.closed = true;
      hub.remove(conn);
      this.services.metrics.sockets.dec();
      this.services.metrics.socketCloses.inc({ code: closeCodeLabel(code) });
      log.info({ conn: conn.id, user: conn.login?.user, code }, 'socket closed');
    });
    if (crowded) {
      log.warn({ conn: conn.id, address: conn.remoteAddress, limit: maxAnonymousPerAddress }, 'too many sockets before login from one address');
      conn.close(1013, 'too many sockets before login from this address');
    }
  }

  /** Shutdown: every client gets a 1001 close (its reconnect logic resumes elsewhere or later), then the listeners stop. */
  async close(): Promise<void> {
    if (this.keepalive) clearInterval(this.keepalive);
    const sockets = [...this.wss.clients];
    const gone = sockets.map((ws) => new Promise<void>((resolve) => (ws.readyState === ws.CLOSED ? resolve() : ws.once('close', () => resolve()))));
    for (const ws of sockets) ws.close(1001, 'server shutting down');
    const grace = new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref());
    await Promise.race([Promise.all(gone), grace]);
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    const closed = new Promise<void>((resolve) => this.https.close(() => resolve()));
    // Browsers keep idle keep-alive connections (and service workers) open: close() would wait forever.
    this.https.closeAllConnections();
    if (this.metricsServer) {
      const metricsServer = this.metricsServer;
      const metricsClosed = new Promise<void>((resolve) => metricsServer.close(() => resolve()));
      metricsServer.closeAllConnections();
      await metricsClosed;
    }
    await closed;
  }
}
