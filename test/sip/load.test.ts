// 20 simultaneous sipp calls on one loop, each caller with its own tone: every caller is heard on
// the loop, every caller hears the loop talker and the other callers but not itself. Reports the
// gateway's CPU per call.
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decodeG711, encodeG711 } from '../../src/gateways/sip/g711.js';
import type { SipGateway } from '../../src/gateways/sip/sip-gateway.js';
import { dominantFrequency, frames, levelAt, tone } from '../../testkit/signal/index.js';
import type { InProcessLoopBus } from '../../src/media/loopbus/index.js';
import { parseRtp } from '../../src/media/rtp.js';
import { startTestGateway, stopTestGateway } from './support/test-gateway.js';
import { staticAccess } from './support/static-access.js';
import { LoopListener, LoopTalker } from './support/loop-probe.js';
import { writeRtpPcap } from './support/rtp-pcap.js';
import { runSipp } from './support/sipp.js';

const LOOP = 'p/loop-load';
const CALLS = 20;
const toneOf = (i: number): number => 350 + 100 * i; // 350 … 2250 Hz, never the talker's 660
let dir: string;
let bus: InProcessLoopBus;
let gateway: SipGateway;

beforeAll(async () => {
  ({ dir, bus, gateway } = await startTestGateway('loopcast-sip-load-', {
    access: staticAccess({ '2000': LOOP }, { phone: { password: 'pw', loops: '*' } }),
    maxCalls: CALLS,
  }));
});

afterAll(() => stopTestGateway({ gateway, bus, dir }));

it(`carries ${CALLS} simultaneous calls on one loop with the right audio each way`, async () => {
  const pcaps: string[] = [];
  for (let i = 0; i < CALLS; i++) {
    const path = join(dir, `tone-${i}.pcap`);
    const signal = tone({ frequency: toneOf(i), dbfs: -36, samples: 8000 * 4, sampleRate: 8000 });
    await writeRtpPcap(path, frames(signal, 160).map((f) => encodeG711('pcmu', f)), 0);
    pcaps.push(path);
  }
  const listener = new LoopListener(bus, LOOP);
  const talker = new LoopTalker(bus, LOOP, 660);
  // One socket stands at every caller's announced RTP address; the gateway's call ports tell them apart.
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const byCallPort = new Map<number, Buffer[]>();
  socket.on('message', (buf, rinfo) => {
    const rtp = parseRtp(buf);
    if (!rtp) return;
    const list = byCallPort.get(rinfo.port) ?? [];
    list.push(Buffer.from(rtp.payload));
    byCallPort.set(rinfo.port, list);
  });
  let cpu: NodeJS.CpuUsage | undefined;
  let window = 0;
  const sampler = setInterval(() => {
    // Measure 2 s while all calls are up.
    if (gateway.list().length === CALLS && cpu === undefined) {
      cpu = process.cpuUsage();
      window = performance.now();
      setTimeout(() => {
        const used = process.cpuUsage(cpu);
        const ms = performance.now() - window;
        const perCall = ((used.user + used.system) / 1000 / ms / CALLS) * 100;
        console.log(`SIP gateway CPU with ${CALLS} calls: ${(perCall * CALLS).toFixed(1)} % of a core in total, ${perCall.toFixed(2)} % per call`);
        expect(perCall).toBeLessThan(5);
      }, 2000);
    }
  }, 50);
  try {
    const port = String((socket.address()).port);
    const results = await Promise.all(
      pcaps.map((pcap) => runSipp(`127.0.0.1:${gateway.port}`, 'uac-auth.xml', ['-s', '2000', '-au', 'phone', '-ap', 'pw', '-key', 'rtpport', port, '-key', 'pcap', pcap, '-key', 'pt', '0', '-key', 'codec', 'PCMU'], 55_000)),
    );
    for (const r of results) expect(r.code, r.output).toBe(0);
    expect(cpu).toBeDefined();
    // On the loop: 20 gateway talkers, one per tone.
    const heard = listener.talkers().filter((s) => s <= 66000).map((s) => Math.round(dominantFrequency(listener.audio(s, 10)) / 10) * 10);
    expect(heard.sort((a, b) => a - b)).toEqual(Array.from({ length: CALLS }, (_, i) => toneOf(i)));
    // At each caller: the talker's 660 Hz and the others, never its own tone.
    expect(byCallPort.size).toBe(CALLS);
    for (const payloads of byCallPort.values()) {
      const pcm = decodeG711('pcmu', Buffer.concat(payloads.slice(25, 125)));
      const levels = Array.from({ length: CALLS }, (_, i) => levelAt(pcm, toneOf(i), 8000));
      const own = levels.indexOf(Math.min(...levels));
      const others = levels.filter((_, i) => i !== own);
      expect(levelAt(pcm, 660, 8000)).toBeGreaterThan(Math.min(...others) - 3);
      expect(levels[own]).toBeLessThan(Math.min(...others) - 20);
    }
    expect(gateway.list()).toEqual([]);
  } finally {
    clearInterval(sampler);
    talker.stop();
    listener.close();
    socket.close();
  }
}, 60_000);
