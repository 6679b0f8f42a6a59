// WebRtcEdge ↔ Node WebRTC test client over real sockets on 127.0.0.1 (ephemeral ports).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dominantFrequency, rmsDbfs, tone } from '../../testkit/signal/index.js';
import { WebRtcEdge } from '../../src/media/edge/webrtc-edge.js';
import { DownlinkPacketizer } from '../../src/media/downlink/index.js';
import { FRAME_SAMPLES, OpusFrameDecoder, OpusFrameEncoder } from '../../src/media/opus.js';
import type { RtpPacket } from '../../src/media/rtp.js';
import { seqAdd, tsForward } from '../../src/media/rtp/sequence.js';
import { udpSocketPorts, waitFor } from '../support/media-sockets.js';
import { connectPair } from '../support/webrtc-pair.js';
import type { Pair } from '../support/webrtc-pair.js';

const toneSource = (frequency: number) => (i: number) =>
  tone({ frequency, dbfs: -12, samples: FRAME_SAMPLES, startSample: i * FRAME_SAMPLES });

describe('WebRtcEdge', () => {
  let edge: WebRtcEdge;
  beforeAll(async () => {
    edge = await WebRtcEdge.start({ port: 0, bindAddress: '127.0.0.1' });
  });
  afterAll(() => edge.close());

  it('binds one ephemeral UDP port and offers the §9 media profile', async () => {
    expect(edge.port).toBeGreaterThan(0);
    const session = edge.createSession();
    const offer = await session.createOffer();
    session.close();
    expect(offer).toMatch(/^m=audio \d+ UDP\/TLS\/RTP\/SAVPF 100\r$/m);
    expect(offer).toContain('a=rtpmap:100 opus/48000/2');
    expect(offer).toContain('a=fmtp:100 minptime=10;useinbandfec=1;usedtx=1');
    expect(offer).toContain('a=rtcp-mux');
    expect(offer).toContain('a=sendrecv');
    expect(offer).toMatch(/a=setup:(actpass|passive)/);
    expect(offer).toMatch(/a=fingerprint:sha-256 /);
    expect(offer).not.toContain('ice-lite');
    // Candidates are trickled after the answer (see EdgeSession.heldCandidates), never in the offer.
    expect(offer).not.toContain('a=candidate:');
    expect(offer).not.toContain('a=end-of-candidates');
    expect(offer).toMatch(new RegExp(`^a=ssrc:${session.ssrc} `, 'm'));
  });

  it('connects, and a 440 Hz tone from the client arrives as RTP and decodes to 440 Hz', async () => {
    const pair = await connectPair(edge, { source: toneSource(440) });
    try {
      expect(pair.session.state).toBe('connected');
      expect(pair.session.connectMs).toBeGreaterThan(0);
      const packets: RtpPacket[] = [];
      pair.session.on('rtp', (p) => packets.push(p));
      pair.client.startSending();
      await waitFor(() => packets.length >= 40, 8000, '40 uplink packets');
      expect(packets.every((p) => p.ssrc === pair.client.ssrc && p.payloadType === 100)).toBe(true);
      const decoder = new OpusFrameDecoder();
      const pcm = packets.map((p) => decoder.decode(p.payload));
      const tail = new Int16Array(30 * FRAME_SAMPLES);
      pcm.slice(-30).forEach((f, i) => tail.set(f, i * FRAME_SAMPLES));
      expect(Math.abs(dominantFrequency(tail) - 440)).toBeLessThan(15);
      expect(rmsDbfs(tail)).toBeGreaterThan(-25);
      console.log(`edge: DTLS+ICE connect ${pair.session.connectMs?.toFixed(1)} ms after answer`);
    } finally {
      pair.close();
    }
  });

  it('sends the packetizer\'s Opus tone downlink as it is: the client decodes a continuous stream', async () => {
    const pair = await connectPair(edge);
    try {
      const encoder = new OpusFrameEncoder();
      // The packetizer owns sequence numbers and timestamps; the edge only stamps its SSRC.
      const packetizer = new DownlinkPacketizer({ ssrc: 1234, initialSequence: 65530, timestampOffset: 4294960000 });
      for (let i = 0; i < 60; i++) {
        const payload = encoder.encode(toneSource(660)(i));
        expect(pair.session.sendRtp(packetizer.packetize(payload, i * FRAME_SAMPLES))).toBe(true);
        await new Promise((r) => setTimeout(r, 2));
      }
      await waitFor(() => pair.client.received.count >= 60, 5000, '60 downlink frames');
      const frames = pair.client.received.frames();
      expect(frames.every((f) => !f.concealed)).toBe(true);
      for (let i = 1; i < frames.length; i++) {
        const prev = frames[i - 1]?.sequenceNumber ?? 0;
        expect(frames[i]?.sequenceNumber).toBe(seqAdd(prev, 1));
        expect(tsForward(frames[i - 1]?.timestamp ?? 0, frames[i]?.timestamp ?? 0)).toBeGreaterThanOrEqual(FRAME_SAMPLES);
      }
      expect(Math.abs(dominantFrequency(pair.client.received.lastSamples(40)) - 660)).toBeLessThan(15);
    } finally {
      pair.close();
    }
  });

  it('serves all sessions on the one UDP port', async () => {
    const pairs: Pair[] = [];
    try {
      for (let i = 0; i < 4; i++) pairs.push(await connectPair(edge));
      for (const p of pairs) expect(p.client.selectedRemote()?.port).toBe(edge.port);
      expect(udpSocketPorts().filter((port) => port === edge.port)).toHaveLength(1);
    } finally {
      for (const p of pairs) p.close();
    }
  });

  it('announces configured addresses in candidates; ICE picks the reachable one', async () => {
    // The edge binds 127.0.0.1 only, so the first announced address (127.0.0.2) cannot answer.
    const announcing = await WebRtcEdge.start({ port: 0, bindAddress: '127.0.0.1', announcedAddresses: ['127.0.0.2', '127.0.0.1'] });
    try {
      const trickled: string[] = [];
      announcing.on('session', (s) => s.on('localCandidate', (c) => trickled.push(c.candidate)));
      const pair = await connectPair(announcing);
      try {
        expect(trickled).toContain(`candidate:1a0 1 UDP 2114977791 127.0.0.2 ${announcing.port} typ host`);
        expect(trickled).toContain(`candidate:1a1 1 UDP 2114977790 127.0.0.1 ${announcing.port} typ host`);
        expect(pair.offer).toContain(`c=IN IP4 127.0.0.2`);
        expect(pair.client.selectedRemote()).toEqual({ address: '127.0.0.1', port: announcing.port });
      } finally {
        pair.close();
      }
    } finally {
      announcing.close();
    }
  });

  it('drops mDNS candidates, refuses malformed ones, queues early ones', () => {
    const session = edge.createSession();
    try {
      expect(session.addRemoteCandidate({ candidate: 'candidate:1 1 udp 2122260223 3f2a-11.local 5000 typ host' })).toBe(false);
      expect(session.addRemoteCandidate({ candidate: '' })).toBe(false);
      let refusal: unknown;
      try {
        session.addRemoteCandidate({ candidate: 'garbage' });
      } catch (err) {
        refusal = err;
      }
      expect(refusal).toMatchObject({ code: 'bad-candidate' });
      expect(session.addRemoteCandidate({ candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 5000 typ host', sdpMid: '0' })).toBe(true);
      expect(session.stats.mdnsCandidatesDropped).toBe(1);
    } finally {
      session.close();
    }
  });

  it('fails a session that never connects, and close() is idempotent with one close event', async () => {
    const quick = await WebRtcEdge.start({ port: 0, bindAddress: '127.0.0.1', connectTimeoutMs: 200 });
    try {
      const session = quick.createSession();
      let closes = 0;
      session.on('close', () => closes++);
      const failed = new Promise((resolve) => session.once('failed', resolve));
      await session.createOffer();
      const err = (await failed) as { code: string };
      expect(err.code).toBe('timeout');
      expect(session.state).toBe('closed');
      session.close();
      expect(closes).toBe(1);
      expect(quick.sessionCount).toBe(0);
      await expect(session.setAnswer('v=0')).rejects.toMatchObject({ code: 'closed' });
    } finally {
      quick.close();
    }
  });

  it('rejects a malformed answer with bad-sdp', async () => {
    const session = edge.createSession();
    try {
      await session.createOffer();
      await expect(session.setAnswer('this is not sdp')).rejects.toMatchObject({ code: 'bad-sdp' });
    } finally {
      session.close();
    }
  });
});
