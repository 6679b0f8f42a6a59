// The media plane end to end: real signaling, real WebRTC (node-datachannel), real Opus both ways.
// Operators are set up like keysets; the assertions measure the audio they decode.
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dominantFrequency, levelAt, tone } from '../../testkit/signal/index.js';
import { volumeToDb } from '../../src/media/mixer/index.js';
import { FRAME_SAMPLES } from '../../src/media/opus.js';
import { tsForward } from '../../src/media/rtp/sequence.js';
import { Operator, sleep } from '../support/media-operator.js';
import { seededRandom } from '../../testkit/random.js';
import { startTestServer, type TestServer } from '../support/server.js';

const TONE_DBFS = -12;
/** Level a forwarded tone would have at a listener (volume 50); "not heard" means 20 dB below it. */
const HEARD_DBFS = TONE_DBFS + volumeToDb(50);
const NOT_HEARD_DBFS = HEARD_DBFS - 20;

/** A continuous tone source for a WebRtcTestClient. */
function toneSource(frequency: number) {
  return (index: number): Int16Array => tone({ frequency, dbfs: TONE_DBFS, samples: FRAME_SAMPLES, startSample: index * FRAME_SAMPLES });
}

/** The last `ms` of decoded downlink audio, after letting `settleMs` pass. */
async function listen(op: Operator, ms = 600, settleMs = 300): Promise<Int16Array> {
  await sleep(settleMs + ms);
  return op.media.received.lastSamples(ms / 20);
}

/**
 * A seeded loss pattern in which a lost packet is never followed by another: each loss is one 20 ms
 * concealment. Runs of losses conceal with libopus's fading PLC (test/media/impairment.test.ts).
 */
function isolatedLosses(percent: number, seed = 5): () => number {
  const random = seededRandom(seed);
  let dropped = false;
  return () => {
    if (dropped) {
      dropped = false;
      return 1;
    }
    const value = random();
    dropped = value * 100 < percent;
    return value;
  };
}

let server: TestServer;
const operators: Operator[] = [];
async function operator(user: string, role: string, frequency?: number, lossPercent?: number): Promise<Operator> {
  const op = await Operator.connect(server.apiUrl, user, role, {
    ...(frequency ? { source: toneSource(frequency) } : {}),
    ...(lossPercent ? { lossPercent, random: isolatedLosses(lossPercent) } : {}),
  });
  operators.push(op);
  return op;
}

beforeAll(async () => {
  server = await startTestServer({ config: { media: { enabled: true, bindAddress: '127.0.0.1' } } });
});
afterAll(async () => {
  for (const op of operators) op.close();
  await server.stop();
});

describe('media plane', () => {
  it('bob hears alice\'s 440 Hz at the level the volume curve predicts; alice does not hear herself', async () => {
    const alice = await operator('alice', 'flight', 440);
    const bob = await operator('bob', 'ground');
    await bob.switch('loop1', 'recv');
    await alice.switch('loop1', 'send');
    alice.media.startSending();

    const heard = await listen(bob);
    expect(Math.abs(dominantFrequency(heard) - 440)).toBeLessThanOrEqual(15);
    const expected = TONE_DBFS + volumeToDb(50);
    expect(Math.abs(levelAt(heard, 440) - expected), `level ${levelAt(heard, 440).toFixed(1)} dBFS, expected ${expected.toFixed(1)}`).toBeLessThanOrEqual(3);

    // Alice is in send (which includes monitoring loop1): her own voice is never in her mix.
    const own = alice.media.received.lastSamples(30);
    expect(own.length === 0 ? -127 : levelAt(own, 440), "440 Hz in alice's own downlink").toBeLessThan(NOT_HEARD_DBFS);

    alice.media.stopSending();
    await alice.switch('loop1', 'none');
    await bob.switch('loop1', 'none');
  });

  it('mixes two loops with per-loop volume, and goes silent within 100 ms when both are switched off', async () => {
    const alice = await operator('alice', 'flight', 440);
    const carol = await operator('carol', 'flight', 880);
    const bob = await operator('bob', 'ground');
    await bob.switch('loop1', 'recv');
    await bob.switch('loop2', 'recv');
    await alice.switch('loop1', 'send');
    await carol.switch('loop2', 'send');
    alice.media.startSending();
    carol.media.startSending();

    const both = await listen(bob);
    const at440 = levelAt(both, 440);
    const at880 = levelAt(both, 880);
    expect(at440).toBeGreaterThan(TONE_DBFS + volumeToDb(50) - 3);
    expect(at880).toBeGreaterThan(TONE_DBFS + volumeToDb(50) - 3);

    await bob.volume('loop2', 25);
    const lowered = await listen(bob);
    const drop = at880 - levelAt(lowered, 880);
    const documented = volumeToDb(50) - volumeToDb(25);
    expect(Math.abs(drop - documented), `880 Hz dropped ${drop.toFixed(1)} dB, documented ${documented.toFixed(1)}`).toBeLessThanOrEqual(3);
    expect(Math.abs(levelAt(lowered, 440) - at440)).toBeLessThanOrEqual(2);

    await Promise.all([bob.switch('loop1', 'none'), bob.switch('loop2', 'none')]);
    const switchedAt = performance.now();
    await sleep(500);
    const after = bob.media.received.frames().filter((f) => f.arrivedAt > switchedAt + 100 && !f.concealed);
    const loud = after.filter((f) => levelAt(f.pcm, 440) > -50 || levelAt(f.pcm, 880) > -50);
    expect(loud.length, 'frames with tone later than 100 ms after switching off').toBe(0);

    alice.media.stopSending();
    carol.media.stopSending();
    await alice.switch('loop1', 'none');
    await carol.switch('loop2', 'none');
  });

  it("never forwards a monitor-only or monitoring operator's uplink into a loop", async () => {
    const alice = await operator('alice', 'flight');
    // bob/ground: loop2 is monitor-only; loop1 he may talk on but only monitors here.
    const bob = await operator('bob', 'ground', 1250);
    await alice.switch('loop1', 'recv');
    await alice.switch('loop2', 'recv');
    await bob.switch('loop1', 'recv');
    await bob.switch('loop2', 'recv');
    expect((await bob.signaling.request('switch_loop_state', { loop: 'loop2', state: 'send' })).error?.code).toBe(5004);
    bob.media.startSending();
    const heard = await listen(alice);
    expect(heard.length === 0 ? -127 : levelAt(heard, 1250), `1250 Hz in alice's downlink (${heard.length} samples)`).toBeLessThan(NOT_HEARD_DBFS);
    bob.media.stopSending();
  });

  it('conceals 5 % uplink loss: the listener hears the tone with no gap longer than 20 ms', async () => {
    const alice = await operator('alice', 'flight', 440, 5);
    const bob = await operator('bob', 'ground');
    await bob.switch('loop4', 'recv');
    await alice.switch('loop4', 'send');
    alice.media.startSending();
    await sleep(2500);
    alice.media.stopSending();
    const frames = bob.media.received.frames().slice(-100, -10);
    expect(frames.length).toBeGreaterThan(50);
    // Continuous downlink: consecutive frames are 20 ms apart in media time, and every one carries tone.
    for (let i = 1; i < frames.length; i++) expect(tsForward(frames[i - 1]!.timestamp, frames[i]!.timestamp)).toBe(FRAME_SAMPLES);
    const silent = frames.filter((f) => levelAt(f.pcm, 440) < TONE_DBFS + volumeToDb(50) - 15);
    const describe = (f: (typeof frames)[number]): string => `seq ${f.sequenceNumber} ts ${f.timestamp} at ${f.arrivedAt.toFixed(0)} ms ${levelAt(f.pcm, 440).toFixed(1)} dB${f.concealed ? ' concealed' : ''}`;
    const context = silent.map((f) => frames.slice(Math.max(0, frames.indexOf(f) - 2), frames.indexOf(f) + 3).map(describe).join(' | '));
    expect(silent.length, `frames without the tone (gaps): ${context.join(' || ')}`).toBe(0);
    expect(alice.media.stats.dropped).toBeGreaterThan(0);
  });

  it('reports media metrics at /metrics', async () => {
    const text = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path: '/metrics', rejectUnauthorized: false }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.end();
    });
    const value = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    expect(value('loopcast_media_sessions')).toBeGreaterThan(0);
    for (const name of ['loopcast_rtp_in_packets_total', 'loopcast_rtp_out_packets_total', 'loopcast_mixer_decodes_total', 'loopcast_mixer_encodes_total']) {
      expect(value(name), name).toBeGreaterThan(0);
    }
    // Uplink quality is counters and histograms now (test/ops/metrics.test.ts checks their values).
    expect(value('loopcast_uplink_packets_expected_total')).toBeGreaterThan(0);
    expect(text).toContain('loopcast_uplink_loss_ratio_bucket');
    expect(text).toContain('loopcast_clock_lateness_seconds_bucket');
    expect(text).toContain('loopcast_mixer_shared_encoder_hits_total');
  });
});
