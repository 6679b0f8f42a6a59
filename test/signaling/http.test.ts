import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolClient } from '../support/protocol-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stop();
});

function get(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTPS server', () => {
  it('answers /health with the connection count', async () => {
    const client = await ProtocolClient.connect(server.apiUrl);
    const health = await get('/health');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok', connections: 1 });
    client.close();
  });

  it('accepts same-origin and origin-less sockets, refuses foreign origins', async () => {
    const same = await ProtocolClient.connect(server.apiUrl, { origin: `https://127.0.0.1:${server.port}` });
    expect(await same.ok('ping')).toEqual({});
    same.close();
    await expect(ProtocolClient.connect(server.apiUrl, { origin: 'https://evil.example' })).rejects.toThrow(/403/);
  });

  it('refuses WebSocket upgrades outside /api', async () => {
    await expect(ProtocolClient.connect(server.apiUrl.replace('/api', '/other'))).rejects.toThrow(/404/);
  });
});

describe('metrics', () => {
  it('serves Prometheus text with socket and request counters', async () => {
    const client = await ProtocolClient.connect(server.apiUrl);
    await client.ok('ping');
    await client.request('no_such_event');
    const metrics = await get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/loopcast_sockets \d+/);
    expect(metrics.body).toContain('loopcast_requests_total{event="ping",outcome="ok"}');
    expect(metrics.body).toContain('loopcast_requests_total{event="unknown",outcome="1008"}');
    client.close();
  });
});
