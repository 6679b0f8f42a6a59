// A SIP gateway on 127.0.0.1 for the gateway tests: an in-process loop bus, a temporary folder for the
// test's pcaps and phone configs, and defaults the tests share (realm, limits, a log silent unless
// LOOPCAST_TEST_LOG names a level).
import { createSocket, type Socket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { SipGateway } from '../../../src/gateways/sip/sip-gateway.js';
import { parseSip, type SipResponse } from '../../../src/gateways/sip/sip-message.js';
import type { SipGatewayOptions } from '../../../src/gateways/sip/sip-types.js';
import { InProcessLoopBus } from '../../../src/media/loopbus/index.js';

export interface TestGateway {
  /** Removed by stopTestGateway. */
  dir: string;
  bus: InProcessLoopBus;
  gateway: SipGateway;
}

export type TestGatewayOptions = Pick<SipGatewayOptions, 'access'> & Partial<Omit<SipGatewayOptions, 'access' | 'bus' | 'host' | 'port'>>;

/** `prefix` names the temporary folder (`loopcast-sip-dtmf-` …). */
export async function startTestGateway(prefix: string, options: TestGatewayOptions): Promise<TestGateway> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const bus = new InProcessLoopBus();
  const gateway = await SipGateway.start({
    realm: 'loopcast.test',
    maxCalls: 4,
    mediaTimeoutMs: 10_000,
    log: pino({ level: process.env.LOOPCAST_TEST_LOG ?? 'silent' }),
    ...options,
    host: '127.0.0.1',
    port: 0,
    bus,
  });
  return { dir, bus, gateway };
}

/** Closes what startTestGateway opened; parts that never started (a failed beforeAll) are skipped. */
export async function stopTestGateway(test: Partial<TestGateway>): Promise<void> {
  await test.gateway?.close();
  test.bus?.close();
  if (test.dir) await rm(test.dir, { recursive: true, force: true });
}

/** A UDP socket on 127.0.0.1 acting as a phone: every SIP response it receives is kept, in order. */
export async function startSipClient(): Promise<{ socket: Socket; responses: SipResponse[] }> {
  const socket = createSocket('udp4');
  const responses: SipResponse[] = [];
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  socket.on('message', (buf) => {
    const m = parseSip(buf);
    if (m?.kind === 'response') responses.push(m);
  });
  return { socket, responses };
}
