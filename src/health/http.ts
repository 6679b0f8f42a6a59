// The health endpoints. GET /health/live: 200 while the process answers. GET /health/ready and
// GET /health: 200 when every readiness check passes, else 503; the body names each check.
import type { ServerResponse } from 'node:http';
import type { HealthChecks } from './health-checks.js';

export function isHealthPath(path: string): boolean {
  return path === '/health' || path === '/health/live' || path === '/health/ready';
}

export function serveHealth(path: string, checks: HealthChecks | undefined, connections: number, res: ServerResponse): void {
  const send = (code: number, body: object): void => {
    res.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  const uptime_s = Math.round(process.uptime());
  if (path === '/health/live' || !checks) {
    send(200, { status: 'ok', connections, uptime_s });
    return;
  }
  void checks.ready().then(
    (report) => send(report.status === 'ok' ? 200 : 503, { ...report, connections, uptime_s }),
    (err: unknown) => send(503, { status: 'fail', checks: { health: { ok: false, detail: String(err) } }, connections, uptime_s }),
  );
}
