// Media plane control behaviour: voice activity broadcasts, hot-mic guard, capacity, teardown.
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { concat, levelAt, tone } from '../../testkit/signal/index.js';
import type { MediaPlane } from '../../src/media/plane/media-plane.js';
import { FRAME_SAMPLES } from '../../src/media/opus.js';
import { Operator, sleep } from '../support/media-operator.js';
import { ProtocolClient } from '../support/protocol-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const source = (frequency: number) => (i: number) => tone({ frequency, dbfs: -12, samples: FRAME_SAMPLES, startSample: i * FRAME_SAMPLES });

let server: TestServer | undefined;
const operators: Operator[] = [];
afterEach(async () => {
  for (const op of operators.splice(0)) op.close();
  await server?.stop();
  server = undefined;
});

async function start(media: Record<string, unknown> = {}): Promise<TestServer> {
  server = await startTestServer({ config: { media: { enabled: true, bindAddress: '127.0.0.1', ...media } } });
  return server;
}

/** Waits (with a deadline) until `listener` has 10+ frames received after `sinceMs` + 200 ms in which `frequency` is heard; returns their samples. */
async function heardSince(listener: Operator, sinceMs: number, frequency: number, timeoutMs = 5000): Promise<Int16Array> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const frames = listener.media.received.frames().filter((f) => f.arrivedAt > sinceMs + 200);
    const samples = concat(frames.map((f) => f.pcm));
    if (frames.length >= 10 && levelAt(samples, frequency) > -40) return samples;
    if (Date.now() > deadline) throw new Error(`${listener.name} did not hear ${frequency} Hz within ${timeoutMs} ms (${frames.length} frames)`);
    await sleep(50);
  }
}

async function operator(user: string, role: string, frequency?: number): Promise<Operator> {
  const op = await Operator.connect(server!.apiUrl, user, role, frequency ? { source: source(frequency) } : {});
  operators.push(op);
  return op;
}

describe('voice activity', () => {
  it('pushes vad on with the talker, and off after the talker stops', async () => {
    await start();
    const alice = await operator('alice', 'flight', 440);
    const bob = await operator('bob', 'ground');
    await bob.switch('loop1', 'recv');
    await alice.switch('loop1', 'send');
    alice.media.startSending();
    const on = await bob.signaling.waitFor((m) => m.event === 'vad' && m.parameter?.on === true, 3000);
    expect(on).toMatchObject({ type: 'loop_broadcast', parameter: { loop: 'loop1', on: true, talkers: [{ user: 'alice', role: 'flight', client: alice.signaling.clientId }] } });
    alice.media.stopSending();
    const off = await bob.signaling.waitFor((m) => m.event === 'vad' && m.parameter?.on === false, 3000);
    expect(off.parameter).toMatchObject({ loop: 'loop1', on: false, talkers: [] });

    // The admin live view reports each operator's media from the server's side.
    const admin = await ProtocolClient.connect(server!.apiUrl);
    await admin.loginAs('admin', 'admin');
    const { sockets } = (await admin.ok('admin_live')) as { sockets: Array<{ client: string; media: { connected: boolean; packetsIn: number; uplinkLoss: number } | null }> };
    const talker = sockets.find((x) => x.client === alice.signaling.clientId);
    expect(talker?.media).toMatchObject({ connected: true, uplinkLoss: 0 });
    expect(talker?.media?.packetsIn).toBeGreaterThan(0);
    admin.close();
  });
});

describe('hot-mic guard', () => {
  it('forwards the uplink only while talking, and releases talking after the timeout', async () => {
    await start({ requireTalking: true, talkTimeoutMs: 1500 });
    const alice = await operator('alice', 'flight', 440);
    const bob = await operator('bob', 'ground');
    const carol = await operator('carol', 'flight', 880);
    await bob.switch('loop1', 'recv');
    await alice.switch('loop1', 'send');
    await carol.switch('loop1', 'send');
    alice.media.startSending();
    carol.media.startSending();
    // "Not heard" is measured against a talker who is heard: carol (880 Hz) talks, alice (440 Hz) only has her mic open.
    await carol.talk('loop1', true);
    const before = await heardSince(bob, performance.now(), 880);
    expect(levelAt(before, 440), 'heard before talking').toBeLessThan(levelAt(before, 880) - 20);

    await alice.talk('loop1', true);
    const talking = await heardSince(bob, performance.now(), 440);
    expect(levelAt(talking, 440), 'heard while talking').toBeGreaterThan(-40);

    const released = await bob.signaling.waitFor((m) => m.event === 'talking' && m.parameter?.user === 'alice' && m.parameter.state === false, 3000);
    expect(released.parameter).toMatchObject({ loop: 'loop1', user: 'alice' });
    await carol.talk('loop1', true); // carol's own timeout may have released her too
    const after = await heardSince(bob, performance.now(), 880);
    expect(levelAt(after, 440), 'heard after auto-release').toBeLessThan(levelAt(after, 880) - 20);
  });
});

describe('capacity and teardown', () => {
  it('answers media with 10010 when the plane is full', async () => {
    await start({ maxSessions: 1 });
    await operator('alice', 'flight');
    const bob = await ProtocolClient.connect(server!.apiUrl);
    await bob.loginAs('bob', 'bob', 'ground');
    const refused = await bob.request('media', { type: 'request' });
    expect(refused.error?.code).toBe(10010);
    bob.close();
  });

  it('frees sessions, mixer listeners and loop memberships when operators leave', async () => {
    const running = await start();
    const plane = running.media as MediaPlane;
    const alice = await operator('alice', 'flight', 440);
    const bob = await operator('bob', 'ground');
    await bob.switch('loop1', 'recv');
    await alice.switch('loop1', 'send');
    alice.media.startSending();
    await sleep(300);
    expect(plane.sessionCount).toBe(2);
    await bob.signaling.ok('logout');
    alice.close();
    const deadline = Date.now() + 3000;
    while (plane.sessionCount > 0 && Date.now() < deadline) await sleep(50);
    expect(plane.sessionCount).toBe(0);
    // The clock stops once the last talk spurt and the VAD hangover (500 ms) are over: idle costs nothing.
    const quiet = Date.now() + 2000;
    while (plane.clock.running && Date.now() < quiet) await sleep(50);
    expect(plane.engine.idle).toBe(true);
    expect(plane.clock.running).toBe(false);
  });

  it('refuses to start, without crashing, when the media UDP port is taken', async () => {
    const blocker = createSocket('udp4');
    const port = await new Promise<number>((resolve) => blocker.bind(0, '127.0.0.1', () => resolve(blocker.address().port)));
    try {
      await expect(startTestServer({ config: { media: { enabled: true, bindAddress: '127.0.0.1', port } } })).rejects.toThrow(`UDP port ${port}`);
    } finally {
      blocker.close();
    }
  });
});
