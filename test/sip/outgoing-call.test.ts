// Calls out of a loop: the gateway dials a sipp UAS at the configured trunk; the answered call's
// audio joins the loop, the loop reaches the callee, our BYE ends it. Destinations never pick hosts.
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loopKey } from '../../src/directory/loop-key.js';
import { decodeG711, encodeG711 } from '../../src/gateways/sip/g711.js';
import { SipDialError, type CallInfo, type SipGateway } from '../../src/gateways/sip/sip-gateway.js';
import { dominantFrequency, frames, rmsDbfs, tone } from '../../testkit/signal/index.js';
import type { InProcessLoopBus } from '../../src/media/loopbus/index.js';
import { parseRtp } from '../../src/media/rtp.js';
import { freePort } from '../support/ports.js';
import { LoopListener, LoopTalker } from './support/loop-probe.js';
import { writeRtpPcap } from './support/rtp-pcap.js';
import { runSipp } from './support/sipp.js';
import { startTestGateway, stopTestGateway } from './support/test-gateway.js';
import { staticAccess } from './support/static-access.js';

const LOOP = loopKey({ kind: 'project', id: 'mcc' }, 'loop4');
let dir: string;
let pcap: string;
let trunkPort: number;
let bus: InProcessLoopBus;
let gateway: SipGateway;

beforeAll(async () => {
  trunkPort = await freePort();
  ({ dir, bus, gateway } = await startTestGateway('loopcast-sip-out-', {
    access: staticAccess({}, {}),
    outbound: { host: '127.0.0.1', port: trunkPort },
  }));
  pcap = join(dir, 'callee.pcap');
  await writeRtpPcap(pcap, frames(tone({ frequency: 880, dbfs: -10, samples: 8000 * 5, sampleRate: 8000 }), 160).map((f) => encodeG711('pcmu', f)), 0);
});

afterAll(() => stopTestGateway({ gateway, bus, dir }));

it('rings a sipp UAS at the trunk; its audio joins the loop and it hears the loop; BYE from us ends it', async () => {
  const listener = new LoopListener(bus, LOOP);
  const talker = new LoopTalker(bus, LOOP, 660);
  const callee = createSocket('udp4');
  await new Promise<void>((resolve) => callee.bind(0, '127.0.0.1', resolve));
  const received: Buffer[] = [];
  callee.on('message', (buf) => {
    const rtp = parseRtp(buf);
    if (rtp) received.push(Buffer.from(rtp.payload));
  });
  const answered: CallInfo[] = [];
  gateway.on('call', (c) => answered.push(c));
  try {
    const uas = runSipp(undefined, 'uas-answer.xml', ['-p', String(trunkPort), '-key', 'rtpport', String(callee.address().port), '-key', 'pcap', pcap]);
    const info = await gateway.dial({ key: LOOP }, '2001', 'alice');
    expect(info.peer).toBe(`sip:2001@127.0.0.1:${trunkPort}`);
    const deadline = Date.now() + 10_000;
    while (answered.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(answered.map((c) => c.callId)).toEqual([info.callId]);
    await new Promise((r) => setTimeout(r, 2500));
    expect(gateway.hangup(info.callId)).toBe(true);
    const result = await uas;
    expect(result.code, result.output).toBe(0);
    const talkers = listener.talkers().filter((s) => s <= 66000);
    expect(talkers).toHaveLength(1);
    const heard = listener.audio(talkers[0] as number, 10);
    expect(Math.abs(dominantFrequency(heard) - 880)).toBeLessThan(5);
    expect(rmsDbfs(heard)).toBeGreaterThan(-20);
    const atCallee = decodeG711('pcmu', Buffer.concat(received.slice(10)));
    expect(atCallee.length).toBeGreaterThan(8000);
    expect(Math.abs(dominantFrequency(atCallee, 8000) - 660)).toBeLessThan(5);
    expect(gateway.list()).toEqual([]);
  } finally {
    gateway.removeAllListeners();
    talker.stop();
    listener.close();
    callee.close();
  }
});

it('dials only numbers and user names at the configured trunk', async () => {
  for (const bad of ['2001@10.0.0.1', 'sip:2001@evil', '', 'a b', 'x'.repeat(65)]) {
    await expect(gateway.dial({ key: LOOP }, bad, 'alice')).rejects.toBeInstanceOf(SipDialError);
  }
  expect(gateway.list()).toEqual([]);
});
