// EdgeSession.setUplink: a session that may not talk gets no uplink RTP — after a few unwanted packets
// libdatachannel drops it natively, so a muted client's DTX no longer wakes the main thread — while
// RTCP still arrives, and wanting the uplink again delivers the very next packet. Real sockets on
// 127.0.0.1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebRtcEdge } from '../../src/media/edge/webrtc-edge.js';
import { CLOSE_AFTER_PACKETS, MAX_UPLINK_SWITCHES } from '../../src/media/edge/uplink-switch.js';
import type { RtpPacket } from '../../src/media/rtp.js';
import { waitFor } from '../support/media-sockets.js';
import { connectPair, type Pair } from '../support/webrtc-pair.js';

/** An empty RTCP receiver report (RFC 3550 §6.4.2): the barrier behind the packets sent before it. */
function receiverReport(ssrc: number): Buffer {
  const rr = Buffer.alloc(8);
  rr[0] = 0x80;
  rr[1] = 201;
  rr.writeUInt16BE(1, 2);
  rr.writeUInt32BE(ssrc >>> 0, 4);
  return rr;
}

/** A 3-byte Opus packet (TOC + 2 bytes) tagged with its phase and index, so each can be told apart. */
const tagged = (phase: number, index: number): Uint8Array => Uint8Array.of(0x78, phase, index);

/** Sends `count` tagged packets and then an RTCP report; resolves once the session has that report. */
async function sendThenBarrier(pair: Pair, phase: number, count: number): Promise<void> {
  const rtcpBefore = pair.session.stats.rtcpIn;
  for (let i = 0; i < count; i++) expect(pair.client.sendEncoded(tagged(phase, i))).toBe(true);
  expect(pair.client.sendRtcp(receiverReport(pair.client.ssrc))).toBe(true);
  // Per transport, libdatachannel handles received packets in order: the report comes after them.
  await waitFor(() => pair.session.stats.rtcpIn > rtcpBefore, 5000, 'the RTCP barrier');
}

describe('EdgeSession uplink switch', () => {
  let edge: WebRtcEdge;
  beforeAll(async () => {
    edge = await WebRtcEdge.start({ port: 0, bindAddress: '127.0.0.1' });
  });
  afterAll(() => edge.close());

  it('emits no unwanted uplink RTP, drops it natively after a few packets, keeps RTCP, and delivers again at once when wanted', async () => {
    const pair = await connectPair(edge);
    try {
      const packets: RtpPacket[] = [];
      pair.session.on('rtp', (p) => packets.push(p));
      expect(pair.session.uplinkOpen).toBe(true);

      await sendThenBarrier(pair, 1, 5);
      expect(packets.map((p) => p.payload[1])).toEqual([1, 1, 1, 1, 1]);

      pair.session.setUplink(false);
      // Still delivered natively (a switch costs a handle: only once it pays), but not emitted.
      await sendThenBarrier(pair, 2, CLOSE_AFTER_PACKETS - 1);
      expect(pair.session.uplinkOpen).toBe(true);
      await sendThenBarrier(pair, 2, 1);
      expect(pair.session.uplinkOpen).toBe(false);
      expect(pair.session.stats.rtpIn).toBe(5 + CLOSE_AFTER_PACKETS);
      // From now on libdatachannel drops them before JavaScript: not even counted.
      await sendThenBarrier(pair, 2, 20);
      expect(pair.session.stats.rtpIn).toBe(5 + CLOSE_AFTER_PACKETS);
      expect(packets).toHaveLength(5);

      pair.session.setUplink(true);
      expect(pair.session.uplinkOpen).toBe(true);
      expect(pair.client.sendEncoded(tagged(3, 0))).toBe(true);
      await waitFor(() => packets.length === 6, 5000, 'the first packet after reopening');
      expect(packets[5]?.payload[1]).toBe(3);
      expect(packets.every((p) => p.payload[1] !== 2)).toBe(true);
    } finally {
      pair.close();
    }
  });

  it('a wish made before the offer leaves the offer sendrecv (the client must be able to send later)', async () => {
    const session = edge.createSession();
    session.setUplink(false);
    expect(session.uplinkOpen).toBe(true);
    const offer = await session.createOffer();
    expect(offer).toContain('a=sendrecv');
    session.close();
  });

  it('a client that wants its uplink back before the switch paid never costs a switch', async () => {
    const pair = await connectPair(edge);
    try {
      const rtp: RtpPacket[] = [];
      pair.session.on('rtp', (p) => rtp.push(p));
      pair.session.setUplink(false);
      await sendThenBarrier(pair, 6, CLOSE_AFTER_PACKETS - 1);
      pair.session.setUplink(true);
      pair.session.setUplink(false);
      await sendThenBarrier(pair, 6, CLOSE_AFTER_PACKETS - 1);
      expect(pair.session.uplinkOpen).toBe(true);
      expect(rtp).toHaveLength(0);
    } finally {
      pair.close();
    }
  });

  it('after the bounded number of switches the uplink stays open (correct, only dearer)', async () => {
    const pair = await connectPair(edge);
    try {
      for (let i = 0; i < MAX_UPLINK_SWITCHES; i++) {
        pair.session.setUplink(i % 2 === 1);
        if (i % 2 === 0) await sendThenBarrier(pair, 7, CLOSE_AFTER_PACKETS);
      }
      pair.session.setUplink(false);
      await sendThenBarrier(pair, 8, CLOSE_AFTER_PACKETS);
      expect(pair.session.uplinkOpen).toBe(true);
    } finally {
      pair.close();
    }
  });
});
