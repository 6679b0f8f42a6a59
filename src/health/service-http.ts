// The HTTP listener of a process without signaling (a media host, a mixer host): plain HTTP on an
// operations address (loopback by default), serving GET/HEAD /health/live, /health/ready, /health and
// /metrics with the same bodies and content types as the signaling process (serveHealth,
// serveMetrics: the metrics token applies here too). Nothing else: other paths 404, other methods 405,
// a request body 413, a target that does not parse 400. It faces whatever reaches that address, so it is tight: headers within 5 s, a
// whole request within 10 s, 8 KiB of headers, 64 connections; a slow client is cut (408) and
// nothing it sends is read.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { serveMetrics } from './metrics-endpoint.js';
import { requestPath } from './request-path.js';
import { setSecurityHeaders } from './security-headers.js';
import type { HealthChecks } from './health-checks.js';
import { isHealthPath, serveHealth } from './http.js';

export const SERVICE_HTTP_LIMITS = {
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  maxHeaderBytes: 8 * 1024,
  maxConnections: 64,
} as const;

/** Loopback unless configured: the endpoints are for the operations network, never the client LAN. */
export const SERVICE_HTTP_DEFAULT_HOST = '127.0.0.1';
/** Per role, so that a media host and a mixer host on one machine do not collide by default. */
export const SERVICE_HTTP_DEFAULT_PORT = { mediaHost: 8444, mixerHost: 8445 } as const;

export interface ServiceHttpOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  health: HealthChecks;
  registry: Registry;
  /** Bearer token for /metrics (config metrics.token). */
  metricsToken?: string;
  /** The `connections` field of the health bodies: what this process serves now (its sessions). */
  connections: () => number;
}

export interface ServiceHttp {
  port: number;
  close(): Promise<void>;
}

function refuse(res: ServerResponse, code: number, text: string, headers: Record<string, string> = {}): void {
  // Whatever the client still sends is not read: the connection ends with this answer.
  res.writeHead(code, { 'content-type': 'text/plain', 'cache-control': 'no-store', connection: 'close', ...headers });
  res.end(`${text}\n`);
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

export async function listenServiceHttp(options: ServiceHttpOptions): Promise<ServiceHttp> {
  const limits = SERVICE_HTTP_LIMITS;
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      maxHeaderSize: limits.maxHeaderBytes,
      // Node checks the two timeouts only this often (default 30 s): a slow client is cut in time.
      connectionsCheckingInterval: 1_000,
    },
    (req, res) => {
      setSecurityHeaders(res);
      // A throw here would end the process: a media host has no safety net (src/signaling/safety-net.ts).
      const path = requestPath(req.url);
      if (path === undefined) return refuse(res, 400, 'bad request target');
      if (!isHealthPath(path) && path !== '/metrics') return refuse(res, 404, 'not found');
      if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'method not allowed', { allow: 'GET, HEAD' });
      if (hasBody(req)) return refuse(res, 413, 'no request body accepted');
      if (path === '/metrics') return serveMetrics({ registry: options.registry }, options.metricsToken !== undefined ? { token: options.metricsToken } : {}, req, res);
      serveHealth(path, options.health, options.connections(), res);
    },
  );
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
