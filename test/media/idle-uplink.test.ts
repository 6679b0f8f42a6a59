// Idle operators cost (nearly) nothing even though muted browsers keep sending Opus DTX (issue 12):
// counted, not timed. A monitoring operator's uplink stops reaching JavaScript after a few packets
// (dropped by the edge natively); an armed but muted talker's DTX never reaches the mixer, its
// worker engines, the loop bus or the clock; a real talk spurt right after still starts at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mutedSchedule } from '../../testkit/muted-uplink.js';
import type { EdgeSession } from '../../src/media/edge/edge-session.js';
import { CLOSE_AFTER_PACKETS } from '../../src/media/edge/uplink-switch.js';
import { isDtxPayload } from '../../src/media/mixer/index.js';
import type { MediaPlane } from '../../src/media/plane/media-plane.js';
import { FRAME_SAMPLES } from '../../src/media/opus.js';
import { dominantFrequency, tone } from '../../testkit/signal/index.js';
import { Operator } from '../support/media-operator.js';
import { waitFor } from '../support/media-sockets.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let plane: MediaPlane;
const operators: Operator[] = [];

/** Connects an operator and returns its server-side edge session (the one that appeared). */
async function connect(user: string, role: string, source?: (i: number) => Int16Array): Promise<{ op: Operator; edge: EdgeSession }> {
  const before = new Set([...plane.edge.sessions()].map((s) => s.id));
  const op = await Operator.connect(server.apiUrl, user, role, source ? { source } : {});
  operators.push(op);
  const edge = [...plane.edge.sessions()].find((s) => !before.has(s.id));
  if (!edge) throw new Error(`no edge session for ${user}`);
  await waitFor(() => edge.state === 'connected', 5000, `${user} connected`);
  return { op, edge };
}

/** An empty RTCP receiver report: sent after packets, it arrives after them (one transport, in order). */
function receiverReport(ssrc: number): Buffer {
  const rr = Buffer.from([0x80, 201, 0, 1, 0, 0, 0, 0]);
  rr.writeUInt32BE(ssrc >>> 0, 4);
  return rr;
}

/** Sends a muted Chromium's packets (libopus DTX + comfort noise) back to back, then an RTCP barrier. */
async function sendMuted(op: Operator, edge: EdgeSession, count: number): Promise<{ dtx: number; comfortNoise: number }> {
  const packets = mutedSchedule(400).packets.slice(0, count);
  let last = 0;
  for (const p of packets) {
    expect(op.media.sendEncoded(p.payload, Math.max(0, p.frame - last - 1))).toBe(true);
    last = p.frame;
  }
  const rtcp = edge.stats.rtcpIn;
  expect(op.media.sendRtcp(receiverReport(op.media.ssrc))).toBe(true);
  await waitFor(() => edge.stats.rtcpIn > rtcp, 5000, 'the RTCP barrier');
  const dtx = packets.filter((p) => isDtxPayload(p.payload)).length;
  return { dtx, comfortNoise: packets.length - dtx };
}

beforeAll(async () => {
  // Two engines: one in a worker thread, so a packet that reached the mixer would also cross to it.
  server = await startTestServer({ config: { media: { enabled: true, bindAddress: '127.0.0.1', mixerWorkers: 2 } } });
  plane = server.media as MediaPlane;
});
afterAll(async () => {
  for (const op of operators) op.close();
  await server.stop();
});

describe('idle uplinks', () => {
  it('a monitoring operator (no send loop) gets its muted uplink dropped at the edge; RTCP still arrives', async () => {
    const { op, edge } = await connect('carol', 'flight');
    await op.switch('loop1', 'recv');
    await op.switch('loop2', 'recv');
    const forwarded = plane.counters.rtpIn;
    // The first few still cross (a switch only once it pays), the rest never reach JavaScript.
    await sendMuted(op, edge, CLOSE_AFTER_PACKETS);
    expect(edge.uplinkOpen).toBe(false);
    await sendMuted(op, edge, 30);
    expect(edge.stats.rtpIn).toBe(CLOSE_AFTER_PACKETS);
    expect(plane.counters.rtpIn).toBe(forwarded);
    expect(plane.counters.dtxDropped).toBe(0);

    // Armed to talk: the uplink reaches the plane again from the next packet on.
    await op.switch('loop2', 'send');
    expect(edge.uplinkOpen).toBe(true);
    const sent = await sendMuted(op, edge, 30);
    expect(edge.stats.rtpIn).toBe(CLOSE_AFTER_PACKETS + 30);
    expect(plane.counters.dtxDropped).toBe(sent.dtx);
    expect(plane.counters.rtpIn - forwarded).toBe(sent.comfortNoise);
    await op.switch('loop2', 'recv');
  });

  it('an armed, muted talker\'s DTX reaches neither the mixer (nor its worker) nor the bus nor the clock; its talk starts at once', async () => {
    // The tone is the unmuted microphone: sent only from PTT on (startSending).
    const source = (i: number): Int16Array => tone({ frequency: 440, dbfs: -12, samples: FRAME_SAMPLES, startSample: i * FRAME_SAMPLES });
    const { op: alice, edge } = await connect('alice', 'flight', source);
    const { op: bob } = await connect('bob', 'ground');
    await bob.switch('loop1', 'recv');
    await alice.switch('loop1', 'send');
    const dropped = plane.counters.dtxDropped;
    const engine = { ...plane.engine.local.counters };
    const forwarded = plane.counters.rtpIn;

    const sent = await sendMuted(alice, edge, 60);
    expect(sent.dtx).toBeGreaterThan(2);
    expect(plane.counters.dtxDropped - dropped).toBe(sent.dtx);
    // Only comfort-noise frames go on: the gate decodes them once (a level far below speech) and drops them.
    expect(plane.counters.rtpIn - forwarded).toBe(sent.comfortNoise);
    expect(plane.engine.local.counters.packets - engine.packets).toBe(sent.comfortNoise);
    expect(plane.engine.local.counters.gated - engine.gated).toBe(sent.comfortNoise);
    expect(plane.engine.idle).toBe(true);
    expect(plane.clock.running).toBe(false);

    // PTT: the track is unmuted and audio flows; bob hears it without any `talking` event.
    alice.startSending();
    await waitFor(() => {
      const heard = bob.media.received.lastSamples(10);
      return heard.length > 0 && Math.abs(dominantFrequency(heard) - 440) <= 15;
    }, 5000, 'bob hears alice');
    alice.stopSending();
  });
});
