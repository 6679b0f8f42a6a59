// DTMF talk mode: a phone without PTT keys talk with `*` and stops with `#` (RFC 4733 events sent by
// sipp between G.711 frames); only the keyed part of its audio reaches the loop.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DTMF_HASH, DTMF_STAR, DtmfTalkKeys } from '../../src/gateways/sip/dtmf.js';
import { encodeG711 } from '../../src/gateways/sip/g711.js';
import type { SipGateway } from '../../src/gateways/sip/sip-gateway.js';
import { dominantFrequency, frames, tone } from '../../testkit/signal/index.js';
import type { InProcessLoopBus } from '../../src/media/loopbus/index.js';
import { LoopListener } from './support/loop-probe.js';
import { DtmfCall, dtmfEvent as event } from './support/dtmf-call.js';
import { writeRtpPcapPackets } from './support/rtp-pcap.js';
import { runSipp } from './support/sipp.js';
import { startTestGateway, stopTestGateway } from './support/test-gateway.js';
import { staticAccess } from './support/static-access.js';

const LOOP = 'p/loop-dtmf';

describe('DTMF talk keys', () => {
  it('acts once per event, on * and # only', () => {
    const keys = new DtmfTalkKeys();
    expect(keys.push(100, event(DTMF_STAR, false, 160))).toBe(true);
    expect(keys.push(100, event(DTMF_STAR, true, 480))).toBeUndefined();
    expect(keys.push(900, event(5, false, 160))).toBeUndefined();
    expect(keys.push(1800, event(DTMF_HASH, false, 160))).toBe(false);
    expect(keys.push(2000, Buffer.from([1, 2]))).toBeUndefined();
    expect(keys.push(2100, Buffer.from([200, 0, 0, 0]))).toBeUndefined();
  });
});

let dir: string;
let bus: InProcessLoopBus;
let gateway: SipGateway;

beforeAll(async () => {
  ({ dir, bus, gateway } = await startTestGateway('loopcast-sip-dtmf-', {
    realm: 'r',
    access: staticAccess({ '1001': LOOP }, { deskphone: { password: 'desk-secret', loops: '*', talk: 'dtmf' } }),
    maxCalls: 2,
  }));
});

afterAll(() => stopTestGateway({ gateway, bus, dir }));

it('forwards the caller only between * and #', async () => {
  const audio = frames(tone({ frequency: 440, dbfs: -10, samples: 8000 * 4, sampleRate: 8000 }), 160).map((f) => encodeG711('pcmu', f));
  const call = new DtmfCall(audio);
  call.speak(40);
  call.key(DTMF_STAR);
  call.speak(75);
  call.key(DTMF_HASH);
  call.speak(40);
  const pcap = join(dir, 'dtmf.pcap');
  await writeRtpPcapPackets(pcap, call.packets);
  const listener = new LoopListener(bus, LOOP);
  const talking: boolean[] = [];
  gateway.on('talking', (_c, t) => talking.push(t));
  try {
    const result = await runSipp(`127.0.0.1:${gateway.port}`, 'uac-dtmf.xml', ['-s', '1001', '-au', 'deskphone', '-ap', 'desk-secret', '-key', 'rtpport', '40000', '-key', 'pcap', pcap, '-key', 'pt', '0', '-key', 'codec', 'PCMU']);
    expect(result.code, result.output).toBe(0);
    const [ssrc] = listener.talkers();
    expect(ssrc).toBeDefined();
    // 75 keyed frames (1.5 s) and nothing before * or after #.
    expect(listener.frames(ssrc as number)).toBeGreaterThanOrEqual(70);
    expect(listener.frames(ssrc as number)).toBeLessThanOrEqual(76);
    expect(Math.abs(dominantFrequency(listener.audio(ssrc as number, 5)) - 440)).toBeLessThan(5);
    expect(talking).toEqual([true, false]);
  } finally {
    gateway.removeAllListeners();
    listener.close();
  }
});
