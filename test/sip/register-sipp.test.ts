// Outbound registration against a real registrar: Debian's sipp (uas-register.xml) challenges, checks
// the digest answer with verifyauth, grants 2 s, takes the refresh, and sees the Expires: 0 when the
// gateway stops — over UDP (from the gateway's SIP socket) and TCP. A wrong password is refused.
import { afterEach, expect, it } from 'vitest';
import type { SipGateway } from '../../src/gateways/sip/sip-gateway.js';
import type { InProcessLoopBus } from '../../src/media/loopbus/index.js';
import { freePort } from '../support/ports.js';
import { until } from '../support/until.js';
import { runSipp } from './support/sipp.js';
import { staticAccess } from './support/static-access.js';
import { startTestGateway, stopTestGateway } from './support/test-gateway.js';

let test: { gateway?: SipGateway; bus?: InProcessLoopBus; dir?: string } = {};

afterEach(async () => {
  await stopTestGateway(test);
  test = {};
});

async function registerAt(transport: 'udp' | 'tcp', password: string): Promise<{ registrar: ReturnType<typeof runSipp>; gateway: SipGateway; port: number }> {
  const port = await freePort();
  const registrar = runSipp(undefined, 'uas-register.xml', ['-p', String(port), ...(transport === 'tcp' ? ['-t', 't1'] : [])], 20_000);
  test = await startTestGateway('loopcast-sip-register-', {
    access: staticAccess({}, {}),
    registrations: [{ registrar: { host: '127.0.0.1', port }, transport, user: 'loopcast', authUser: 'lc-auth', password, expires: 3600 }],
    // sipp may still be starting: a refused TCP connection is retried quickly.
    registrationTiming: { timeoutMs: 5000, retryMinMs: 200, retryMaxMs: 1000 },
  });
  return { registrar, gateway: test.gateway as SipGateway, port };
}

for (const transport of ['udp', 'tcp'] as const) {
  it(`registers over ${transport} with digest, refreshes within the granted 2 s, unregisters on stop`, async () => {
    const { registrar, gateway, port } = await registerAt(transport, 'registrar secret');
    await until('registered for 2 s', () => gateway.registrationStatus()[0]?.expires === 2, { timeoutMs: 8000 });
    // The refresh (at half of 2 s) got 30 s from the registrar.
    await until('refreshed for 30 s', () => gateway.registrationStatus()[0]?.expires === 30, { timeoutMs: 5000 });
    const [status] = gateway.registrationStatus();
    expect(status).toEqual({ index: 0, registrar: `127.0.0.1:${port}`, user: 'loopcast', state: 'registered', expires: 30 });
    const started = Date.now();
    await gateway.close();
    expect(Date.now() - started).toBeLessThan(2000);
    test.gateway = undefined;
    const result = await registrar;
    expect(result.code, result.output).toBe(0);
    expect(gateway.registrationStatus()[0]?.state).toBe('stopped');
  });
}

it('reports a refused password as failing and keeps retrying', async () => {
  const { registrar, gateway } = await registerAt('udp', 'wrong secret');
  await until('refused', () => gateway.registrationStatus()[0]?.reason === '403 Forbidden', { timeoutMs: 8000 });
  const [status] = gateway.registrationStatus();
  expect(status?.state).toBe('failing');
  expect(status?.retryInMs).toBeGreaterThan(0);
  // sipp's scenario ends after its 403: the gateway keeps trying (nobody answers now → timeout later).
  const result = await registrar;
  expect(result.code, result.output).toBe(0);
});
