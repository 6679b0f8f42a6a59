// Media faults from the protocol side: hostile answers and candidates get 1008 and one rate-limited
// warning (never 1000 or a stack); a media session that dies (a spoofed DTLS alert, a throwing
// native callback) is reported with `media_lost`, the client sets media up again by itself, and
// audio flows again; one session's fault leaves the others serving.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoopcast, type RunningLoopcast } from '../../src/app.js';
import { resolveConfig } from '../../src/config/config.js';
import { levelAt, tone } from '../../testkit/signal/index.js';
import { FRAME_SAMPLES } from '../../src/media/opus.js';
import { startMediaPlane } from '../../src/media/plane/start.js';
import type { MediaPlane } from '../../src/media/plane/media-plane.js';
import { waitFor } from '../support/media-sockets.js';
import { Operator } from '../support/media-operator.js';
import { ProtocolClient } from '../support/protocol-client.js';
import { copyFixture } from '../support/server.js';
import { spoofedAlert, UdpRelay } from '../support/udp-relay.js';
import { WebRtcTestClient } from '../../testkit/webrtc-client.js';

const toneSource = (frequency: number) => (i: number) => tone({ frequency, dbfs: -12, samples: FRAME_SAMPLES, startSample: i * FRAME_SAMPLES });
/** A 440 Hz tone at volume 50 arrives near -24 dBFS; -40 dBFS is clearly "heard". */
const hears = (op: Operator, frequency = 440): boolean => {
  const pcm = op.media.received.lastSamples(10);
  return pcm.length > 0 && levelAt(pcm, frequency) > -40;
};

let app: RunningLoopcast;
let plane: MediaPlane;
let apiUrl: string;
let dir: string;
let db: string;
const logLines: Array<Record<string, unknown>> = [];
const operators: Operator[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loopcast-media-faults-'));
  db = await copyFixture();
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const log = pino({ level: 'info' }, sink);
  const config = resolveConfig({ dataDir: dir, db, host: '127.0.0.1', port: 0, demo: false, logLevel: 'info', media: { enabled: true, bindAddress: '127.0.0.1' } });
  plane = await startMediaPlane(config, 0, [], log);
  app = await startLoopcast(config, { log, media: plane });
  apiUrl = `wss://127.0.0.1:${app.port}/api`;
}, 30_000);

afterAll(async () => {
  for (const op of operators) op.close();
  await app?.close();
  await rm(dir, { recursive: true, force: true });
  await rm(db, { recursive: true, force: true });
});

async function operator(user: string, role: string, options: Parameters<typeof Operator.connect>[3] = {}): Promise<Operator> {
  const op = await Operator.connect(apiUrl, user, role, options);
  operators.push(op);
  return op;
}

describe('hostile media signaling', () => {
  it('answers malformed answers and candidates with 1008 and rate-limited one-line warnings', async () => {
    const client = await ProtocolClient.connect(apiUrl);
    const media = new WebRtcTestClient({ name: 'hostile' });
    try {
      await client.loginAs('alice', 'alice', 'flight');
      const offer = await client.ok('media', { type: 'request' });
      const answer = await media.answer(String(offer.sdp));
      const hostileAnswers: unknown[] = [
        'this is not sdp',
        42,
        { sdp: 'nested' },
        'v=0\r\n' + 'a=x:y\r\n'.repeat(5000),
        answer.replace(/m=audio[^\r\n]*/, 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel'),
        answer.replace(/a=ice-ufrag:[^\r\n]*\r?\n/, ''),
        answer + 'a=candidate:1 1 udp 2122260223 evil.example.com 5000 typ host\r\n',
        answer + 'a=candidate:1 1 udp 2122260223 239.1.2.3 5000 typ host\r\n',
        'v=0\r\n\u0000\u0001\u0002',
      ];
      for (const sdp of hostileAnswers) {
        const reply = await client.request('media', { type: 'answer', sdp });
        expect(reply.error?.code, `answer ${JSON.stringify(sdp).slice(0, 60)}`).toBe(1008);
      }
      // The session survived the refusals: the real answer still works.
      await client.ok('media', { type: 'answer', sdp: answer });
      const ufrag = /a=ice-ufrag:(\S+)/.exec(answer)?.[1] ?? '';
      const hostileCandidates: Array<Record<string, unknown>> = [
        { candidate: 'garbage' },
        { candidate: 7 },
        { candidate: 'x'.repeat(5000) },
        { candidate: 'candidate:1 1 udp 2122260223 evil.example.com 5000 typ host' },
        { candidate: 'candidate:1 1 udp 2122260223 255.255.255.255 5000 typ host' },
        { candidate: 'candidate:1 1 udp 2122260223 0.0.0.0 5000 typ host' },
        { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 0 typ host' },
        { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 5000 typ host', ufrag: `${ufrag}x` },
        { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 5000 typ host ufrag other' },
      ];
      for (const parameter of hostileCandidates) {
        const reply = await client.request('candidate', parameter);
        expect(reply.error?.code, `candidate ${JSON.stringify(parameter).slice(0, 60)}`).toBe(1008);
      }
      // Browser oddities are acknowledged as before.
      for (const candidate of ['candidate:1 1 udp 2122260223 3f2a-11.local 5000 typ host', 'candidate:2 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active', '']) {
        expect((await client.request('candidate', { candidate, ufrag })).error).toBeUndefined();
      }
      // A flood of one bad candidate writes a bounded number of lines.
      const flood = await Promise.all(Array.from({ length: 60 }, () => client.request('candidate', { candidate: 'garbage' })));
      expect(flood.every((r) => r.error?.code === 1008)).toBe(true);

      expect(logLines.filter((l) => Number(l.level) >= 50), 'no error lines').toEqual([]);
      expect(logLines.some((l) => JSON.stringify(l).includes('    at ')), 'no stack in the log').toBe(false);
      const warnings = logLines.filter((l) => l.level === 40 && typeof l.msg === 'string' && l.msg.startsWith('media '));
      expect(warnings.some((l) => l.msg === 'media sdp refused')).toBe(true);
      expect(warnings.filter((l) => l.msg === 'media candidate refused').length).toBeLessThanOrEqual(5);
    } finally {
      media.close();
      client.close();
    }
  }, 30_000);
});

describe('media session loss', () => {
  it("a spoofed DTLS alert from the client's address ends its session; media_lost, set up again, the tone is back", async () => {
    const alice = await operator('alice', 'flight', { source: toneSource(440) });
    const relay = await UdpRelay.open(plane.edge.port);
    try {
      const bob = await operator('bob', 'ground', relay.routing());
      await bob.switch('loop1', 'recv');
      await alice.switch('loop1', 'send');
      alice.startSending();
      await waitFor(() => hears(bob), 10_000, 'bob hears the tone through the relay');
      // The spoof below only counts if the relay's address is bob's address for the edge.
      expect(bob.media.selectedRemote(), 'bob talks to the relay, not to the edge directly').toEqual({ address: '127.0.0.1', port: relay.port });

      // A plaintext alert in the current epoch (1) and shorter than an AEAD record: no key needed.
      relay.sendToEdge(spoofedAlert(1, 1_000_000));
      await waitFor(() => bob.losses.length > 0, 10_000, 'media_lost pushed to bob');
      expect(bob.losses[0]?.reason).toBe('transport-closed');
      await waitFor(() => bob.reestablished === 1, 15_000, 'bob set media up again');
      const since = performance.now();
      await waitFor(() => hears(bob) && bob.media.received.frames().some((f) => f.arrivedAt > since), 10_000, 'bob hears the tone again');
      alice.stopSending();
      await alice.switch('loop1', 'none');
      await bob.switch('loop1', 'none');
    } finally {
      relay.close();
    }
  }, 60_000);

  it('a throwing media callback ends that session only: others keep hearing, the process lives, the client comes back', async () => {
    const existing = new Set([...plane.edge.sessions()].map((s) => s.id));
    const bob = await operator('bob', 'ground', { source: toneSource(1250) });
    const bobSession = [...plane.edge.sessions()].find((s) => !existing.has(s.id));
    expect(bobSession?.state).toBe('connected');
    const alice = await operator('alice', 'flight', { source: toneSource(440) });
    const carol = await operator('carol', 'flight');
    // A bug in one session's uplink path: it throws inside node-datachannel's onMessage callback.
    bobSession?.on('rtp', () => {
      throw new Error('injected fault in a media callback');
    });
    await carol.switch('loop1', 'recv');
    await bob.switch('loop1', 'recv');
    // A loop to talk into: a session without a `send` loop has its uplink dropped at the edge, natively.
    await bob.switch('loop3', 'send');
    await alice.switch('loop1', 'send');
    alice.startSending();
    await waitFor(() => hears(carol), 10_000, 'carol hears alice');

    bob.startSending(); // its first uplink packet runs the faulty listener
    await waitFor(() => bob.losses.length > 0, 10_000, 'media_lost pushed to bob');
    expect(bob.losses[0]).toMatchObject({ reason: 'native' });
    const since = performance.now();
    await waitFor(() => carol.media.received.frames().filter((f) => f.arrivedAt > since).length >= 25, 5_000, 'carol keeps receiving');
    expect(hears(carol), 'carol still hears alice').toBe(true);

    await waitFor(() => bob.reestablished === 1, 15_000, 'bob set media up again');
    const back = performance.now();
    await waitFor(() => hears(bob) && bob.media.received.frames().some((f) => f.arrivedAt > back), 10_000, 'bob hears alice again');
    const faults = logLines.filter((l) => l.msg === 'media session lost' && l.code === 'native');
    expect(faults.length).toBe(1);
    alice.stopSending();
    bob.stopSending();
    await bob.switch('loop3', 'none');
  }, 60_000);
});
