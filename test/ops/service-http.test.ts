// The health/metrics listener of processes without signaling (src/health/service-http.ts), in this
// process: routes, hostile requests (unknown paths, other methods, bodies, slow and oversized headers),
// the metrics token, where it binds, and the pure readiness checks it serves (announced, capacity).
import { Counter, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceHttpAddress } from '../../src/cli/service-endpoints.js';
import { resolveConfig } from '../../src/config/config.js';
import { HealthChecks } from '../../src/health/health-checks.js';
import { announcedCheck, capacityCheck } from '../../src/health/service-checks.js';
import { listenServiceHttp, SERVICE_HTTP_LIMITS, type ServiceHttp } from '../../src/health/service-http.js';
import { plainRequest, rawExchange } from '../support/plain-http.js';

describe('readiness checks of a process without signaling', () => {
  it('announced: only when its own id is among the live services', () => {
    expect(announcedCheck(['a-signaling-1', 'a-media-2'], 'a-media-2')).toEqual({ ok: true });
    expect(announcedCheck(['a-media-22'], 'a-media-2').ok).toBe(false);
    expect(announcedCheck([], 'a-media-2')).toEqual({ ok: false, detail: 'not announced: its own heartbeat is not seen on the control plane' });
  });

  it('capacity: ready below the limit, not at it', () => {
    expect(capacityCheck(0, 2)).toEqual({ ok: true, detail: '0 of 2 session(s)' });
    expect(capacityCheck(1, 2).ok).toBe(true);
    expect(capacityCheck(2, 2)).toEqual({ ok: false, detail: 'full: 2 of 2 session(s)' });
  });
});

describe('where the listener binds', () => {
  it('flags over the config (metrics.host/metrics.port) over loopback and the role\'s port', () => {
    const plain = resolveConfig({});
    const configured = resolveConfig({ metrics: { host: '10.9.0.5', port: 9500 } });
    expect(serviceHttpAddress(plain)).toEqual({ host: '127.0.0.1', port: 8444 });
    expect(serviceHttpAddress(plain, { port: 0 })).toEqual({ host: '127.0.0.1', port: 0 });
    expect(serviceHttpAddress(configured)).toEqual({ host: '10.9.0.5', port: 9500 });
    expect(serviceHttpAddress(configured, { host: '127.0.0.1' })).toEqual({ host: '127.0.0.1', port: 9500 });
    expect(serviceHttpAddress(plain, {}, 8445), 'a mixer host').toEqual({ host: '127.0.0.1', port: 8445 });
  });
});

describe('service HTTP listener', () => {
  let open: ServiceHttp;
  let guarded: ServiceHttp;
  let ready = true;
  const TOKEN = 'scrape-token-0123456789';

  beforeAll(async () => {
    const registry = new Registry();
    new Counter({ name: 'loopcast_test_total', help: 'a counter', registers: [registry] }).inc(3);
    const health = new HealthChecks({ more: { test: () => (ready ? { ok: true } : { ok: false, detail: 'not yet' }) } });
    const common = { host: '127.0.0.1', port: 0, health, registry, connections: () => 7 };
    open = await listenServiceHttp(common);
    guarded = await listenServiceHttp({ ...common, metricsToken: TOKEN });
  });

  afterAll(async () => {
    await open?.close();
    await guarded?.close();
  });

  it('serves live, ready (and /health) as JSON, /metrics as Prometheus text, HEAD without a body', async () => {
    const live = await plainRequest(open.port, '/health/live');
    expect(live.status).toBe(200);
    expect(live.headers['content-type']).toBe('application/json');
    expect(live.headers['x-content-type-options']).toBe('nosniff');
    expect(JSON.parse(live.body)).toMatchObject({ status: 'ok', connections: 7 });
    for (const path of ['/health/ready', '/health']) {
      const answer = await plainRequest(open.port, path);
      expect(answer.status, path).toBe(200);
      expect(JSON.parse(answer.body), path).toMatchObject({ status: 'ok', checks: { test: { ok: true } }, connections: 7 });
    }
    ready = false;
    const down = await plainRequest(open.port, '/health/ready?x=1');
    expect(down.status).toBe(503);
    expect(JSON.parse(down.body)).toMatchObject({ status: 'fail', checks: { test: { ok: false, detail: 'not yet' } } });
    expect((await plainRequest(open.port, '/health/live')).status, 'live whatever readiness says').toBe(200);
    ready = true;
    const metrics = await plainRequest(open.port, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toBe(new Registry().contentType);
    expect(metrics.body).toMatch(/^loopcast_test_total 3$/m);
    const head = await plainRequest(open.port, '/metrics', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('unknown paths 404, other methods 405 (Allow: GET, HEAD), a request body 413', async () => {
    for (const path of ['/', '/api', '/health/', '/health/live/x', '/metrics/', '/Metrics', '/recordings/x', '/keyset/index.html', '/%2e%2e/etc/passwd', '//metrics']) {
      const answer = await plainRequest(open.port, path);
      expect(answer.status, path).toBe(404);
      expect(answer.body, path).toBe('not found\n');
    }
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE']) {
      const answer = await plainRequest(open.port, '/metrics', { method });
      expect(answer.status, method).toBe(405);
      expect(answer.headers.allow, method).toBe('GET, HEAD');
    }
    expect((await plainRequest(open.port, '/health/ready', { method: 'POST', body: 'x'.repeat(100_000) })).status).toBe(405);
    // A GET with a body (length or chunked): refused, and the connection ends without reading it.
    const sized = await rawExchange(open.port, 'GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello', 5_000);
    expect(sized.reply).toMatch(/^HTTP\/1\.1 413/);
    expect(sized.reply).not.toContain('loopcast_test_total');
    const chunked = await rawExchange(open.port, 'GET /health/ready HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n', 5_000);
    expect(chunked.reply).toMatch(/^HTTP\/1\.1 413/);
  });

  it('answers 400 to request targets that do not parse, and keeps serving', async () => {
    for (const target of ['http://[::1', 'http://a:b:c/', 'http://x:99999/metrics', 'http://%zz/']) {
      const answer = await rawExchange(open.port, `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`, 5_000);
      expect(answer.reply, target).toMatch(/^HTTP\/1\.1 400/);
    }
    expect((await plainRequest(open.port, '/health/live')).status).toBe(200);
  });

  it('cuts headers that do not finish in time (408) and refuses oversized ones (431)', async () => {
    const slow = await rawExchange(open.port, 'GET /metrics HTTP/1.1\r\nHost: x\r\n', SERVICE_HTTP_LIMITS.headersTimeoutMs + 5_000);
    expect(slow.reply).toMatch(/^HTTP\/1\.1 408/);
    expect(slow.closedAfterMs).toBeGreaterThanOrEqual(SERVICE_HTTP_LIMITS.headersTimeoutMs - 100);
    const big = await rawExchange(open.port, `GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(SERVICE_HTTP_LIMITS.maxHeaderBytes)}\r\n\r\n`, 5_000);
    expect(big.reply).toMatch(/^HTTP\/1\.1 431/);
    expect(big.reply).not.toContain('loopcast_test_total');
  }, 20_000);

  it('with metrics.token, /metrics needs the bearer token; health stays open', async () => {
    expect((await plainRequest(guarded.port, '/metrics')).status).toBe(401);
    expect((await plainRequest(guarded.port, '/metrics', { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    const scraped = await plainRequest(guarded.port, '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(scraped.status).toBe(200);
    expect(scraped.body).toMatch(/^loopcast_test_total 3$/m);
    expect((await plainRequest(guarded.port, '/health/ready')).status).toBe(200);
  });
});
