// Refused SIP callers are logged at warn (docs/operations.md "Logs": security-relevant refusals), and
// rate-limited so that a host sending forged INVITEs cannot flood the log: a valid account without a
// permit on the loop, then a flood of forged digests.
import { createHash } from 'node:crypto';
import type { Socket } from 'node:dgram';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SipGateway } from '../../src/gateways/sip/sip-gateway.js';
import { header, type SipResponse } from '../../src/gateways/sip/sip-message.js';
import type { InProcessLoopBus } from '../../src/media/loopbus/index.js';
import { startSipClient, startTestGateway, stopTestGateway } from './support/test-gateway.js';
import { staticAccess } from './support/static-access.js';

interface Line {
  level: number;
  msg: string;
  suppressed?: number;
}
const WARN = 40;
const lines: Line[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const text of chunk.toString().split('\n')) if (text) lines.push(JSON.parse(text) as Line);
    done();
  },
});

let dir: string;
let bus: InProcessLoopBus;
let gateway: SipGateway;
let client: Socket;
let responses: SipResponse[];

beforeAll(async () => {
  ({ dir, bus, gateway } = await startTestGateway('loopcast-sip-refusal-', {
    realm: 'r',
    access: staticAccess({ '1001': 'p/loop-a' }, { outsider: { password: 'outsider-pw', loops: ['p/other'] } }),
    maxCalls: 2,
    mediaTimeoutMs: 5000,
    log: pino({ level: 'info' }, sink),
  }));
  ({ socket: client, responses } = await startSipClient());
});

afterAll(async () => {
  client.close();
  await stopTestGateway({ gateway, bus, dir });
});

const URI = 'sip:1001@127.0.0.1';
const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';

function invite(callId: string, authorization?: string): string {
  return [
    `INVITE ${URI} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${client.address().port};branch=z9hG4bK-${callId}`,
    'From: <sip:x@127.0.0.1>;tag=1',
    'To: <sip:1001@127.0.0.1>',
    `Call-ID: ${callId}`,
    'CSeq: 1 INVITE',
    ...(authorization ? [`Authorization: ${authorization}`] : []),
    `Content-Length: ${Buffer.byteLength(SDP)}`,
    '',
    SDP,
  ].join('\r\n');
}

/** Sends once (loopback does not lose datagrams) and waits up to 3 s for the final response. */
async function exchange(datagram: string, callId: string): Promise<SipResponse | undefined> {
  client.send(datagram, gateway.port, '127.0.0.1');
  const deadline = Date.now() + 3000;
  for (;;) {
    const found = responses.find((r) => header(r, 'call-id') === callId && r.status >= 200);
    if (found || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 10));
  }
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/** An RFC 2617 qop=auth answer to the gateway's challenge, as a phone computes it. */
function answer(challenge: string, user: string, password: string): string {
  const nonce = /nonce="([^"]+)"/.exec(challenge)?.[1] ?? '';
  const [nc, cnonce] = ['00000001', 'c0ffee'];
  const response = md5(`${md5(`${user}:r:${password}`)}:${nonce}:${nc}:${cnonce}:auth:${md5(`INVITE:${URI}`)}`);
  return `Digest username="${user}", realm="r", nonce="${nonce}", uri="${URI}", response="${response}", algorithm=MD5, qop=auth, nc=${nc}, cnonce="${cnonce}"`;
}

const refusals = () => lines.filter((l) => l.msg === 'SIP call refused (credentials)');

it('logs refused callers at warn, at most a burst per window', async () => {
  const challenge = await exchange(invite('c1'), 'c1');
  expect(challenge?.status).toBe(401);
  // A valid account that may not use this loop.
  const denied = await exchange(invite('c2', answer(header(challenge as SipResponse, 'www-authenticate') ?? '', 'outsider', 'outsider-pw')), 'c2');
  expect(denied?.status).toBe(403);
  expect(refusals().map((l) => l.level)).toEqual([WARN]);

  // Twenty forged digests from the same host: each refused, only the burst (5 per 10 s) logged.
  const forged = `Digest username="outsider", realm="r", nonce="0.AAAA", uri="${URI}", response="${'0'.repeat(32)}"`;
  for (let i = 0; i < 20; i++) expect((await exchange(invite(`f${i}`, forged), `f${i}`))?.status).toBe(403);
  expect(refusals().length).toBe(5);
  expect(refusals().every((l) => l.level === WARN)).toBe(true);
});
