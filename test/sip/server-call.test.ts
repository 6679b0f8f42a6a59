// The gateway inside a Loopcast server: sipp calls loop1 by its directory number as carol/flight; a
// WebRTC operator hears the caller, the caller hears an operator talking, the loop's sockets see
// call/talking/hangup broadcasts; list_calls and hangup work with authorization.
import { createSocket, type Socket } from 'node:dgram';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeG711, encodeG711 } from '../../src/gateways/sip/g711.js';
import { dominantFrequency, frames, levelAt, tone } from '../../testkit/signal/index.js';
import { FRAME_SAMPLES } from '../../src/media/opus.js';
import { parseRtp } from '../../src/media/rtp.js';
import { Operator } from '../support/media-operator.js';
import { freePort } from '../support/ports.js';
import { copyFixture, startTestServer, type TestServer } from '../support/server.js';
import { until } from '../support/until.js';
import { writeRtpPcap } from './support/rtp-pcap.js';
import { runSipp } from './support/sipp.js';

const PROJECT_FILE = 'auth/127.0.0.1/mcc@127.0.0.1/config.json';
let dir: string;
let pcap: string;
let trunkPort: number;
let server: TestServer;
const operators: Operator[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loopcast-sip-server-'));
  pcap = join(dir, 'tone.pcap');
  await writeRtpPcap(pcap, frames(tone({ frequency: 440, dbfs: -10, samples: 8000 * 4, sampleRate: 8000 }), 160).map((f) => encodeG711('pcmu', f)), 0);
  const db = await copyFixture();
  const file = join(db, PROJECT_FILE);
  const project = JSON.parse(await readFile(file, 'utf8')) as { loops: Record<string, Record<string, unknown>> };
  (project.loops.loop1 as Record<string, unknown>).sip = { number: '1001' };
  (project.loops.loop3 as Record<string, unknown>).sip = { number: '1003' }; // flight may only listen there
  (project.loops.loop4 as Record<string, unknown>).sip = { callout: ['flight'] };
  trunkPort = await freePort();
  await writeFile(file, JSON.stringify(project, null, 2));
  server = await startTestServer({
    db,
    config: {
      media: { enabled: true, bindAddress: '127.0.0.1' },
      sip: {
        host: '127.0.0.1',
        port: 0,
        outbound: { host: '127.0.0.1', port: trunkPort },
        accounts: { phone1: { password: 'phone-secret', user: 'carol', role: 'flight' } },
      },
    },
  });
});

afterAll(async () => {
  for (const op of operators) op.close();
  await server.stop();
  await rm(server.db, { recursive: true, force: true });
  await rm(dir, { recursive: true, force: true });
});

async function callerSocket(): Promise<{ socket: Socket; port: number; pcm: () => Int16Array }> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const payloads: Buffer[] = [];
  socket.on('message', (buf) => {
    const rtp = parseRtp(buf);
    if (rtp) payloads.push(Buffer.from(rtp.payload));
  });
  return { socket, port: socket.address().port, pcm: () => decodeG711('pcmu', Buffer.concat(payloads.slice(-100))) };
}

function sipp(scenario: string, number: string, rtpPort: number) {
  const port = server.services.telephony?.port ?? 0;
  return runSipp(`127.0.0.1:${port}`, scenario, ['-s', number, '-au', 'phone1', '-ap', 'phone-secret', '-key', 'rtpport', String(rtpPort), '-key', 'pcap', pcap, '-key', 'pt', '0', '-key', 'codec', 'PCMU']);
}

describe('SIP calls in a Loopcast server', () => {
  it('an operator hears the caller and the caller hears an operator; broadcasts follow the call', async () => {
    const alice = await Operator.connect(server.apiUrl, 'alice', 'flight', {
      source: (i) => tone({ frequency: 660, dbfs: -12, samples: FRAME_SAMPLES, startSample: i * FRAME_SAMPLES }),
    });
    const bob = await Operator.connect(server.apiUrl, 'bob', 'ground');
    operators.push(alice, bob);
    expect(await bob.signaling.ok('sip')).toEqual({ connected: true });
    await bob.switch('loop1', 'recv');
    await alice.switch('loop1', 'send');
    alice.startSending();
    const caller = await callerSocket();
    try {
      const call = sipp('uac-auth.xml', '1001', caller.port);
      await until('the call listed by telephony', () => (server.services.telephony?.list().length ?? 0) === 1, { timeoutMs: 10_000 });
      const listed = await bob.signaling.ok('list_calls');
      expect(listed.calls).toMatchObject([{ loop: 'loop1', peer: expect.stringContaining('sip:sipp@') as unknown }]);
      await new Promise((r) => setTimeout(r, 1500)); // audio flows both ways for a while
      const heard = bob.media.received.lastSamples(50);
      expect(levelAt(heard, 440), 'the caller at bob').toBeGreaterThan(-35);
      expect(Math.abs(dominantFrequency(caller.pcm(), 8000) - 660), 'alice at the caller').toBeLessThan(5);
      const result = await call;
      expect(result.code, result.output).toBe(0);
      const events = bob.signaling.pushes.filter((m) => ['call', 'hangup', 'talking'].includes(m.event) && m.parameter?.client !== alice.signaling.clientId);
      expect(events.map((m) => [m.event, m.parameter?.loop])).toEqual(
        expect.arrayContaining([
          ['call', 'loop1'],
          ['talking', 'loop1'],
          ['hangup', 'loop1'],
        ]),
      );
      expect(events.find((m) => m.event === 'talking')?.parameter).toMatchObject({ user: 'carol', role: 'flight', state: true });
      expect(server.services.telephony?.list()).toEqual([]);
    } finally {
      alice.stopSending();
      caller.socket.close();
    }
  });

  it('hangup needs talk permission on the loop and ends the call with a BYE to the phone', async () => {
    const bob = operators.find((o) => o.name === 'bob') as Operator;
    const caller = await callerSocket();
    try {
      const call = sipp('uac-hungup.xml', '1001', caller.port);
      await until('the call listed by telephony', () => (server.services.telephony?.list().length ?? 0) === 1, { timeoutMs: 10_000 });
      const { calls } = (await bob.signaling.ok('list_calls')) as { calls: Array<Record<string, string>> };
      const callId = calls[0]?.['call-id'] as string;
      expect((await bob.signaling.request('hangup', { call: callId, loop: 'loop3' })).error?.code).toBe(5004);
      expect((await bob.signaling.request('hangup', { call: 'nope', loop: 'loop1' })).error?.code).toBe(5004);
      expect((await bob.signaling.request('hangup', { call: callId, loop: 'loop1' })).error).toBeUndefined();
      const result = await call;
      expect(result.code, result.output).toBe(0);
      expect(server.services.telephony?.list()).toEqual([]);
    } finally {
      caller.socket.close();
    }
  });

  it('a role that may only monitor the loop hears it but is not heard', async () => {
    const bob = operators.find((o) => o.name === 'bob') as Operator;
    await bob.switch('loop1', 'none');
    await bob.switch('loop3', 'recv');
    const caller = await callerSocket();
    try {
      // Nothing else talks on loop3: once bob's downlink is quiet, any frame he gets is the caller.
      let before = -1;
      await until("bob's downlink quiet", () => {
        const now = bob.media.stats.received;
        const quiet = now === before;
        before = now;
        return quiet;
      }, { pollMs: 300 });
      const result = await sipp('uac-auth.xml', '1003', caller.port);
      expect(result.code, result.output).toBe(0);
      expect(caller.pcm().length, 'the call was up (the caller got RTP)').toBeGreaterThan(8000);
      expect(bob.media.stats.received - before).toBe(0);
      expect(bob.signaling.pushes.some((m) => m.event === 'talking' && m.parameter?.loop === 'loop3')).toBe(false);
    } finally {
      caller.socket.close();
    }
  });

  it('an operator with the call-out right calls a number into a loop; the callee is heard there', async () => {
    const alice = operators.find((o) => o.name === 'alice') as Operator;
    const bob = operators.find((o) => o.name === 'bob') as Operator;
    await bob.switch('loop3', 'none');
    await bob.switch('loop4', 'recv');
    const callee = await callerSocket();
    try {
      // ground has talk permission on loop4 but not the call-out right; flight has both.
      expect((await bob.signaling.request('call', { loop: 'loop4', destination: '2001' })).error?.code).toBe(5004);
      // A destination with a host is a bad parameter (1008 naming the field), never dialled.
      const bad = (await alice.signaling.request('call', { loop: 'loop4', destination: '2001@10.0.0.1' })).error;
      expect([bad?.code, bad?.field]).toEqual([1008, ['destination']]);
      const uas = runSipp(undefined, 'uas-answer.xml', ['-p', String(trunkPort), '-key', 'rtpport', String(callee.port), '-key', 'pcap', pcap]);
      const placed = await alice.signaling.ok('call', { loop: 'loop4', destination: '2001' });
      expect(placed).toMatchObject({ loop: 'loop4', caller: 'alice', callee: '2001' });
      await bob.signaling.waitFor((m) => m.event === 'call' && m.parameter?.['call-id'] === placed['call-id'], 10_000);
      await new Promise((r) => setTimeout(r, 1500));
      expect(levelAt(bob.media.received.lastSamples(50), 440), 'the callee at bob').toBeGreaterThan(-35);
      await alice.signaling.ok('hangup', { call: placed['call-id'], loop: 'loop4' });
      const result = await uas;
      expect(result.code, result.output).toBe(0);
      await bob.signaling.waitFor((m) => m.event === 'hangup' && m.parameter?.['call-id'] === placed['call-id'], 5000);
      expect(server.services.telephony?.list()).toEqual([]);
    } finally {
      callee.socket.close();
    }
  });
});
