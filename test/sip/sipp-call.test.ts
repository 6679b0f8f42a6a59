// A real SIP peer (sipp) calls a loop through the gateway: its 440 Hz is heard on the loop, a loop
// talker's 660 Hz reaches the caller's announced RTP address, BYE tears down, bad credentials join nothing.
import { createSocket, type Socket } from 'node:dgram';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeG711, encodeG711 } from '../../src/gateways/sip/g711.js';
import type { CallInfo, SipGateway } from '../../src/gateways/sip/sip-gateway.js';
import { dominantFrequency, frames, rmsDbfs, tone } from '../../testkit/signal/index.js';
import type { InProcessLoopBus } from '../../src/media/loopbus/index.js';
import { parseRtp } from '../../src/media/rtp.js';
import { startTestGateway, stopTestGateway } from './support/test-gateway.js';
import { staticAccess, type TestAccount } from './support/static-access.js';
import { LoopListener, LoopTalker } from './support/loop-probe.js';
import { writeRtpPcap } from './support/rtp-pcap.js';
import { runSipp } from './support/sipp.js';

const LOOP = 'mcc@127.0.0.1/loop1';
let dir: string;
let pcapMulaw: string;
let pcapAlaw: string;
let bus: InProcessLoopBus;
let gateway: SipGateway;
/** Mutable: a test takes rights away during a call. */
const accounts: Record<string, TestAccount> = {
  phone1: { password: 'secret-1', loops: [LOOP] },
  phone2: { password: 'secret-2', loops: [LOOP] },
};

beforeAll(async () => {
  ({ dir, bus, gateway } = await startTestGateway('loopcast-sipp-', {
    access: staticAccess({ '1001': LOOP }, accounts),
    maxCalls: 30,
  }));
  const signal = tone({ frequency: 440, dbfs: -10, samples: 8000 * 4, sampleRate: 8000 });
  pcapMulaw = join(dir, 'tone-pcmu.pcap');
  pcapAlaw = join(dir, 'tone-pcma.pcap');
  await writeRtpPcap(pcapMulaw, frames(signal, 160).map((f) => encodeG711('pcmu', f)), 0);
  await writeRtpPcap(pcapAlaw, frames(signal, 160).map((f) => encodeG711('pcma', f)), 8);
});

afterAll(() => stopTestGateway({ gateway, bus, dir }));

/** A UDP socket standing at the RTP address the sipp caller announces: what the caller receives. */
async function callerRtp(): Promise<{ socket: Socket; port: number; payloads: Buffer[]; payloadTypes: Set<number> }> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const payloads: Buffer[] = [];
  const payloadTypes = new Set<number>();
  socket.on('message', (buf) => {
    const rtp = parseRtp(buf);
    if (!rtp) return;
    payloadTypes.add(rtp.payloadType);
    payloads.push(Buffer.from(rtp.payload));
  });
  return { socket, port: socket.address().port, payloads, payloadTypes };
}

function sippArgs(rtpPort: number, pcap: string, law: 'pcmu' | 'pcma', user: string, password: string): string[] {
  const [pt, codec] = law === 'pcmu' ? ['0', 'PCMU'] : ['8', 'PCMA'];
  return ['-s', '1001', '-au', user, '-ap', password, '-key', 'rtpport', String(rtpPort), '-key', 'pcap', pcap, '-key', 'pt', pt, '-key', 'codec', codec];
}

describe('sipp calls a loop', () => {
  for (const law of ['pcmu', 'pcma'] as const) {
    it(`is heard on the loop, hears the loop, and hangs up cleanly (${law})`, async () => {
      const listener = new LoopListener(bus, LOOP);
      const talker = new LoopTalker(bus, LOOP, 660);
      const caller = await callerRtp();
      const calls: CallInfo[] = [];
      const hangups: string[] = [];
      gateway.on('call', (c) => calls.push(c));
      gateway.on('hangup', (_c, reason) => hangups.push(reason));
      try {
        const result = await runSipp(`127.0.0.1:${gateway.port}`, 'uac-auth.xml', sippArgs(caller.port, law === 'pcmu' ? pcapMulaw : pcapAlaw, law, 'phone1', 'secret-1'));
        expect(result.code, result.output).toBe(0);
        // The caller's voice: one gateway talker on the loop, 440 Hz.
        const gatewayTalkers = listener.talkers().filter((ssrc) => ssrc <= 66000);
        expect(gatewayTalkers).toHaveLength(1);
        const heard = listener.audio(gatewayTalkers[0] as number);
        expect(heard.length).toBeGreaterThan(48000);
        expect(Math.abs(dominantFrequency(heard) - 440)).toBeLessThan(5);
        expect(rmsDbfs(heard)).toBeGreaterThan(-20);
        // The loop's voice at the caller: G.711 of the negotiated law, 660 Hz.
        expect([...caller.payloadTypes]).toEqual([law === 'pcmu' ? 0 : 8]);
        const received = decodeG711(law, Buffer.concat(caller.payloads.slice(10)));
        expect(received.length).toBeGreaterThan(8000 * 2);
        expect(Math.abs(dominantFrequency(received, 8000) - 660)).toBeLessThan(5);
        expect(rmsDbfs(received)).toBeGreaterThan(-20);
        // BYE: the call is gone, its handle left the loop (listener + talker remain), RTP stops.
        expect(calls.map((c) => c.loop)).toEqual([LOOP]);
        expect(hangups).toEqual(['remote hangup']);
        expect(gateway.list()).toEqual([]);
        expect(bus.memberCount(LOOP)).toBe(2);
        const count = caller.payloads.length;
        await new Promise((r) => setTimeout(r, 200));
        expect(caller.payloads.length).toBe(count);
      } finally {
        gateway.removeAllListeners();
        talker.stop();
        listener.close();
        caller.socket.close();
      }
    });
  }

  it('refuses wrong credentials with 401 then 403 and joins nothing', async () => {
    const listener = new LoopListener(bus, LOOP);
    const caller = await callerRtp();
    const calls: CallInfo[] = [];
    gateway.on('call', (c) => calls.push(c));
    try {
      for (const [user, password] of [['phone1', 'wrong'], ['nobody', 'secret-1']]) {
        const result = await runSipp(`127.0.0.1:${gateway.port}`, 'uac-refused.xml', sippArgs(caller.port, pcapMulaw, 'pcmu', user as string, password as string));
        expect(result.code, result.output).toBe(0);
      }
      expect(calls).toEqual([]);
      expect(gateway.list()).toEqual([]);
      expect(bus.memberCount(LOOP)).toBe(1);
      expect(listener.talkers()).toEqual([]);
      expect(caller.payloads).toEqual([]);
    } finally {
      gateway.removeAllListeners();
      listener.close();
      caller.socket.close();
    }
  });

  it('hangs up a running call when its account loses the loop, and mutes it when it may only listen', async () => {
    const listener = new LoopListener(bus, LOOP);
    const caller = await callerRtp();
    const ended: string[] = [];
    gateway.on('hangup', (_c, reason) => ended.push(reason));
    try {
      const call = runSipp(`127.0.0.1:${gateway.port}`, 'uac-hungup.xml', sippArgs(caller.port, pcapMulaw, 'pcmu', 'phone2', 'secret-2'));
      const deadline = Date.now() + 10_000;
      const waitFor = async (condition: () => boolean): Promise<void> => {
        while (!condition()) {
          if (Date.now() > deadline) throw new Error('timed out');
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      const talker = (): number => listener.talkers().filter((s) => s <= 66000).reduce((n, s) => n + listener.frames(s), 0);
      await waitFor(() => talker() > 20);
      // Listen only: the caller's audio stops reaching the loop.
      accounts.phone2 = { password: 'secret-2', loops: [], listen: [LOOP] };
      gateway.recheck();
      await new Promise((r) => setTimeout(r, 100));
      const muted = talker();
      await new Promise((r) => setTimeout(r, 500));
      expect(talker()).toBe(muted);
      expect(gateway.list()).toHaveLength(1);
      // No right at all: BYE to the phone.
      accounts.phone2 = { password: 'secret-2', loops: [] };
      gateway.recheck();
      const result = await call;
      expect(result.code, result.output).toBe(0);
      expect(ended).toEqual(['permission revoked']);
      expect(gateway.list()).toEqual([]);
    } finally {
      accounts.phone2 = { password: 'secret-2', loops: [LOOP] };
      gateway.removeAllListeners();
      listener.close();
      caller.socket.close();
    }
  });

  it('works over TCP as well (sipp -t t1): heard on the loop, BYE ends the call', async () => {
    const listener = new LoopListener(bus, LOOP);
    const caller = await callerRtp();
    const ended: string[] = [];
    gateway.on('hangup', (_c, reason) => ended.push(reason));
    try {
      const result = await runSipp(`127.0.0.1:${gateway.port}`, 'uac-auth.xml', [...sippArgs(caller.port, pcapMulaw, 'pcmu', 'phone1', 'secret-1'), '-t', 't1']);
      expect(result.code, result.output).toBe(0);
      const [ssrc] = listener.talkers().filter((s) => s <= 66000);
      expect(Math.abs(dominantFrequency(listener.audio(ssrc as number)) - 440)).toBeLessThan(5);
      expect(caller.payloads.length).toBeGreaterThan(100);
      expect(ended).toEqual(['remote hangup']);
      expect(gateway.list()).toEqual([]);
    } finally {
      gateway.removeAllListeners();
      listener.close();
      caller.socket.close();
    }
  });
});
