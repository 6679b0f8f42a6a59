// Callers on the caller-id allow-list authenticate with a PIN typed as RFC 4733 DTMF (ended by `#`):
// sipp calls without credentials and plays G.711 with telephone-events; nothing reaches the loop before
// the right PIN, wrong PINs and silence are hung up by the gateway, and nothing ever joins for them.
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoopKey } from '../../src/directory/loop-key.js';
import { DTMF_HASH, DTMF_STAR } from '../../src/gateways/sip/dtmf.js';
import { encodeG711 } from '../../src/gateways/sip/g711.js';
import { PinEntry, PinThrottle } from '../../src/gateways/sip/pin-entry.js';
import type { CallInfo, SipGateway } from '../../src/gateways/sip/sip-gateway.js';
import { header, parseSip, type SipResponse } from '../../src/gateways/sip/sip-message.js';
import type { InProcessLoopBus } from '../../src/media/loopbus/index.js';
import { dominantFrequency, frames, tone } from '../../testkit/signal/index.js';
import { LoopListener } from './support/loop-probe.js';
import { DtmfCall, dtmfEvent as event } from './support/dtmf-call.js';
import { writeRtpPcapPackets } from './support/rtp-pcap.js';
import { runSipp } from './support/sipp.js';
import { startTestGateway, stopTestGateway } from './support/test-gateway.js';
import { staticAccess } from './support/static-access.js';

const LOOP = 'project/p/loop-pin' as LoopKey;
const CALLER = '+4930555';
const PIN = '2468';

describe('PIN entry', () => {
  it('collects digits once per event, * clears, # submits; the last allowed wrong PIN exhausts', () => {
    const entry = new PinEntry(PIN, 2);
    let ts = 0;
    const key = (code: number) => entry.push((ts += 480), event(code, false, 160));
    for (const d of [1, 1]) expect(key(d)).toBe('pending');
    expect(key(DTMF_STAR)).toBe('pending'); // clears "11"
    for (const d of [2, 4, 6]) key(d);
    // A retransmitted packet of the same event (same timestamp) is not a second digit.
    expect(entry.push(ts, event(6, true, 480))).toBe('pending');
    expect(key(DTMF_HASH)).toBe('wrong'); // "246"
    for (const d of [2, 4, 6, 8]) key(d);
    expect(key(DTMF_HASH)).toBe('accepted');
    const strict = new PinEntry(PIN, 2);
    expect(strict.push(1, event(DTMF_HASH, false, 160))).toBe('wrong');
    expect(strict.push(2, event(DTMF_HASH, false, 160))).toBe('exhausted');
    expect(strict.push(3, Buffer.from([1, 2]))).toBe('pending');
  });

  it('throttles a caller id after repeated wrong PINs, for the window only', () => {
    let now = 1_000_000;
    const throttle = new PinThrottle(3, 60_000, () => now);
    for (let i = 0; i < 3; i++) {
      expect(throttle.blocked(CALLER)).toBe(false);
      throttle.failed(CALLER);
    }
    expect(throttle.blocked(CALLER)).toBe(true);
    expect(throttle.blocked('+4930666')).toBe(false);
    now += 60_001;
    expect(throttle.blocked(CALLER)).toBe(false);
    throttle.failed(CALLER);
    throttle.succeeded(CALLER);
    expect(throttle.blocked(CALLER)).toBe(false);
  });
});

let dir: string;
let bus: InProcessLoopBus;
let gateway: SipGateway;
const calls: CallInfo[] = [];
const ended: string[] = [];
const audio = frames(tone({ frequency: 440, dbfs: -10, samples: 8000 * 4, sampleRate: 8000 }), 160).map((f) => encodeG711('pcmu', f));

beforeAll(async () => {
  const access = staticAccess({ '2001': LOOP }, { [CALLER]: { password: 'digest-not-used', loops: '*' } });
  ({ dir, bus, gateway } = await startTestGateway('loopcast-sip-pin-', {
    realm: 'r',
    access: { ...access, pinOf: (id) => (id === CALLER ? PIN : undefined) },
    pinTimeoutMs: 2000,
    pinAttempts: 2,
  }));
  gateway.on('call', (c) => calls.push(c));
  gateway.on('hangup', (_c, reason) => ended.push(reason));
});

afterAll(() => stopTestGateway({ gateway, bus, dir }));

/** A pcap of `speech` frames, then each PIN typed and ended by #, then `after` frames. */
async function pcapWith(name: string, speech: number, pins: string[], after: number): Promise<string> {
  const call = new DtmfCall(audio);
  const key = (code: number): void => {
    call.key(code);
    call.speak(3);
  };
  call.speak(speech);
  for (const pin of pins) {
    for (const digit of pin) key(Number(digit));
    key(DTMF_HASH);
  }
  call.speak(after);
  const file = join(dir, name);
  await writeRtpPcapPackets(file, call.packets);
  return file;
}

function sipp(scenario: string, pcap: string, extra: string[] = []) {
  return runSipp(`127.0.0.1:${gateway.port}`, scenario, ['-s', '2001', '-key', 'caller', CALLER, '-key', 'rtpport', '40010', '-key', 'pcap', pcap, '-key', 'pt', '0', '-key', 'codec', 'PCMU', ...extra]);
}

it('joins the loop only after the right PIN', async () => {
  const pcap = await pcapWith('right.pcap', 30, [PIN], 60);
  const listener = new LoopListener(bus, LOOP);
  calls.length = 0;
  try {
    const result = await sipp('uac-pin.xml', pcap);
    expect(result.code, result.output).toBe(0);
    expect(calls.map((c) => c.user)).toEqual([CALLER]);
    const [ssrc] = listener.talkers();
    expect(ssrc).toBeDefined();
    // Only the 60 frames after `#` (plus the 3 spoken after it): none of the 30 before or the 15 between keys.
    expect(listener.frames(ssrc as number)).toBeGreaterThanOrEqual(55);
    expect(listener.frames(ssrc as number)).toBeLessThanOrEqual(63);
    expect(Math.abs(dominantFrequency(listener.audio(ssrc as number, 5)) - 440)).toBeLessThan(5);
  } finally {
    listener.close();
  }
});

it('hangs up after the allowed wrong PINs; nothing joins', async () => {
  const pcap = await pcapWith('wrong.pcap', 10, ['1357', '0000'], 100);
  const listener = new LoopListener(bus, LOOP);
  calls.length = 0;
  ended.length = 0;
  try {
    const result = await sipp('uac-pin-refused.xml', pcap);
    expect(result.code, result.output).toBe(0); // the gateway's BYE arrived
    expect(listener.talkers()).toEqual([]);
    expect(calls).toEqual([]);
    expect(ended).toEqual([]); // never announced, so no hangup broadcast either
    expect(gateway.list()).toEqual([]);
  } finally {
    listener.close();
  }
});

it('hangs up a caller that types no PIN in time (a forged caller id)', async () => {
  const pcap = await pcapWith('silent.pcap', 200, [], 0);
  const listener = new LoopListener(bus, LOOP);
  calls.length = 0;
  try {
    const started = Date.now();
    const result = await sipp('uac-pin-refused.xml', pcap);
    expect(result.code, result.output).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(listener.talkers()).toEqual([]);
    expect(calls).toEqual([]);
  } finally {
    listener.close();
  }
});

it('lets one call per caller id wait for its PIN, and refuses phones that cannot send DTMF', async () => {
  const client = createSocket('udp4');
  await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
  const responses: SipResponse[] = [];
  client.on('message', (buf) => {
    const m = parseSip(buf);
    if (m?.kind === 'response') responses.push(m);
  });
  const sdp = (events: boolean) => `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0${events ? ' 101\r\na=rtpmap:101 telephone-event/8000' : ''}\r\n`;
  const request = (method: string, callId: string, body = '') =>
    [`${method} sip:2001@127.0.0.1 SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${client.address().port};branch=z9hG4bK-${callId}-${method}`, `From: <sip:${CALLER}@127.0.0.1>;tag=1`, 'To: <sip:2001@127.0.0.1>', `Call-ID: ${callId}`, `CSeq: ${method === 'BYE' ? 2 : 1} ${method}`, `Contact: <sip:${CALLER}@127.0.0.1:${client.address().port}>`, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n');
  const final = async (datagram: string, callId: string): Promise<number | undefined> => {
    client.send(datagram, gateway.port, '127.0.0.1');
    const deadline = Date.now() + 3000;
    for (;;) {
      const found = responses.find((r) => header(r, 'call-id') === callId && r.status >= 200 && header(r, 'cseq')?.endsWith(datagram.split(' ')[0] ?? ''));
      if (found || Date.now() > deadline) return found?.status;
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  try {
    expect(await final(request('INVITE', 'wait-1', sdp(true)), 'wait-1')).toBe(200);
    expect(await final(request('INVITE', 'wait-2', sdp(true)), 'wait-2')).toBe(486);
    expect(await final(request('BYE', 'wait-1'), 'wait-1')).toBe(200);
    expect(await final(request('INVITE', 'no-dtmf', sdp(false)), 'no-dtmf')).toBe(488);
    expect(calls).toEqual([]);
  } finally {
    client.close();
  }
});
