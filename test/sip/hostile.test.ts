// Hostile SIP input on the gateway's UDP port: malformed, oversized, unauthenticated and odd requests
// get the right answers or silence, never a crash, a call, a loop handle or an RTP socket.
import type { Socket } from 'node:dgram';
import { connect } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SipGateway } from '../../src/gateways/sip/sip-gateway.js';
import { header, type SipResponse } from '../../src/gateways/sip/sip-message.js';
import type { InProcessLoopBus } from '../../src/media/loopbus/index.js';
import { startSipClient, startTestGateway, stopTestGateway } from './support/test-gateway.js';
import { staticAccess } from './support/static-access.js';

const LOOP = 'p/loop-hostile';
let dir: string;
let bus: InProcessLoopBus;
let gateway: SipGateway;
let client: Socket;
let responses: SipResponse[];

beforeAll(async () => {
  ({ dir, bus, gateway } = await startTestGateway('loopcast-sip-hostile-', {
    realm: 'r',
    access: staticAccess({ '1001': LOOP }, { phone: { password: 'secret-pw', loops: '*' } }),
    maxCalls: 2,
    mediaTimeoutMs: 5000,
  }));
  ({ socket: client, responses } = await startSipClient());
});

afterAll(async () => {
  client.close();
  await stopTestGateway({ gateway, bus, dir });
});

function request(method: string, callId: string, extra: string[] = [], body = '', uri = 'sip:1001@127.0.0.1'): string {
  return [
    `${method} ${uri} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${client.address().port};branch=z9hG4bK-${callId}`,
    'From: <sip:x@127.0.0.1>;tag=1',
    'To: <sip:1001@127.0.0.1>',
    `Call-ID: ${callId}`,
    `CSeq: 1 ${method}`,
    ...extra,
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

/** Sends and, like a SIP client over UDP, retransmits every 200 ms until a final response (3 s). */
async function exchange(datagram: string | Buffer, callId: string): Promise<SipResponse | undefined> {
  const deadline = Date.now() + 3000;
  for (let attempt = 0; ; attempt++) {
    if (attempt % 20 === 0) client.send(datagram, gateway.port, '127.0.0.1');
    const found = responses.find((r) => header(r, 'call-id') === callId && r.status >= 200);
    if (found || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 10));
  }
}

const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';

it('answers odd requests correctly and stays silent on garbage', async () => {
  expect((await exchange(request('OPTIONS', 'o1'), 'o1'))?.status).toBe(200);
  expect((await exchange(request('REGISTER', 'r1'), 'r1'))?.status).toBe(405);
  expect((await exchange(request('BYE', 'b1'), 'b1'))?.status).toBe(481);
  expect((await exchange(request('INVITE', 'i1', [], SDP, 'sip:9999@127.0.0.1'), 'i1'))?.status).toBe(404);
  const challenge = await exchange(request('INVITE', 'i2', [], SDP), 'i2');
  expect(challenge?.status).toBe(401);
  expect(header(challenge as SipResponse, 'www-authenticate')).toMatch(/^Digest realm="r", nonce="[^"]+", algorithm=MD5, qop="auth"$/);
  const forged = 'Authorization: Digest username="phone", realm="r", nonce="0.AAAA", uri="sip:1001@127.0.0.1", response="00000000000000000000000000000000"';
  expect((await exchange(request('INVITE', 'i3', [forged], SDP), 'i3'))?.status).toBe(403);
  // Missing mandatory headers: 400 naming the header.
  const noCallId = 'INVITE sip:1001@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bK-x\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:1001@y>\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n';
  client.send(noCallId, gateway.port, '127.0.0.1');

  // Seeded garbage: random bytes, truncated messages, huge Content-Length, header floods, 64 KiB datagrams.
  let seed = 42;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const valid = request('INVITE', 'g', [], SDP);
  for (let i = 0; i < 300; i++) {
    const kind = i % 5;
    let datagram: Buffer;
    if (kind === 0) datagram = Buffer.from(Array.from({ length: 1 + Math.floor(random() * 1400) }, () => Math.floor(random() * 256)));
    else if (kind === 1) datagram = Buffer.from(valid.slice(0, Math.floor(random() * valid.length)));
    else if (kind === 2) datagram = Buffer.from(valid.replace(/Content-Length: \d+/, `Content-Length: ${Math.floor(random() * 1e6)}`));
    else if (kind === 3) datagram = Buffer.from(valid.replace('CSeq', `${'X-A: b\r\n'.repeat(200)}CSeq`));
    else datagram = Buffer.alloc(60_000, 0x41);
    client.send(datagram, gateway.port, '127.0.0.1');
  }
  // Still serving, nothing joined, nothing allocated.
  expect((await exchange(request('OPTIONS', 'o2'), 'o2'))?.status).toBe(200);
  expect(responses.some((r) => r.status === 400 && /Missing call-id/.test(r.reason))).toBe(true);
  expect(gateway.list()).toEqual([]);
  expect(bus.memberCount(LOOP)).toBe(0);
  expect(responses.filter((r) => r.status === 200 && header(r, 'cseq')?.endsWith('INVITE'))).toEqual([]);
});

it('over TCP: answers a framed request on the connection and drops a connection that sends garbage', async () => {
  const tcp = connect(gateway.port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => tcp.once('connect', resolve).once('error', reject));
  let data = '';
  tcp.on('data', (d: Buffer) => (data += d.toString()));
  const options = request('OPTIONS', 't1').replace('SIP/2.0/UDP', 'SIP/2.0/TCP');
  // Split mid-header: the stream reader must wait for the rest.
  tcp.write(options.slice(0, 30));
  await new Promise((r) => setTimeout(r, 50));
  tcp.write(options.slice(30));
  const deadline = Date.now() + 3000;
  while (!data.includes('\r\n\r\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  expect(data).toMatch(/^SIP\/2\.0 200 OK\r\n/);
  const closed = new Promise<void>((resolve) => tcp.once('close', () => resolve()));
  tcp.write('NOT SIP AT ALL\r\n\r\n');
  await closed;
  expect(gateway.list()).toEqual([]);
});
