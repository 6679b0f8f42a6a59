// GET /metrics: on the main HTTPS port, or on a separate plain-HTTP address:port (a control LAN), and
// optionally only with `Authorization: Bearer <token>`. The token is compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { requestPath } from './request-path.js';
import { setSecurityHeaders } from './security-headers.js';

export interface MetricsAccess {
  /** Serve /metrics only here (plain HTTP), not on the main port. */
  listen?: { host: string; port: number };
  /** Require `Authorization: Bearer <token>`. */
  token?: string;
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer (.+)$/.exec(header ?? '');
  // Digests have equal length whatever was sent: timingSafeEqual needs that, and length leaks nothing.
  return match !== null && timingSafeEqual(sha256(match[1] ?? ''), sha256(token));
}

/** `metrics`: a Metrics, or any holder of a registry (a media host's, src/health/service-http.ts). */
export function serveMetrics(metrics: { readonly registry: Registry }, access: MetricsAccess, req: IncomingMessage, res: ServerResponse): void {
  if (access.token !== undefined && !bearerMatches(req.headers.authorization, access.token)) {
    res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer realm="metrics"', 'cache-control': 'no-store' });
    res.end('unauthorized\n');
    return;
  }
  metrics.registry.metrics().then(
    (text) => {
      res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
      res.end(text);
    },
    () => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('metrics unavailable\n');
    },
  );
}

/** The separate metrics listener; resolves with its port. */
export async function listenMetrics(metrics: { readonly registry: Registry }, access: MetricsAccess & { listen: { host: string; port: number } }): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    setSecurityHeaders(res);
    if (requestPath(req.url) !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
      return;
    }
    serveMetrics(metrics, access, req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(access.listen.port, access.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { server, port: (server.address() as AddressInfo).port };
}
