// Mixer engines on mixer hosts, on the in-process control plane (the same code as over NATS): an edge's
// engine pool puts new listeners on a mixer host's engine and gets its mixes back; the host announces
// them as its load; a host that goes down moves its listeners back to the edge's own engine at once
// (with SSRC and volumes) and back onto a mixer host once one is up again (quiet listeners only, a
// talking-heard one once it is quiet); hostile stream messages are dropped and counted; an engine whose
// edge is gone (missing from the registry and silent for the grace) is closed, one whose edge only
// looks down while it ticks stays; an open beyond the host's engines is refused; an engine gone from
// its host is found by the edge's probe when its replies stay out.
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Announcement } from '../../src/control/control-plane.js';
import { InProcessControlPlane } from '../../src/control/in-process.js';
import { FRAME_SAMPLES, OpusFrameDecoder, OpusFrameEncoder } from '../../src/media/opus.js';
import { EnginePool } from '../../src/media/plane/engine-pool.js';
import { MIXER_ENGINE_COMMAND, PROBE_AFTER_TICKS, engineTopics, remoteChannel } from '../../src/media/mixer/worker/remote-channel.js';
import { encodeWire } from '../../src/media/mixer/worker/wire.js';
import type { WorkerTick } from '../../src/media/mixer/worker/worker-engine.js';
import { MixerService } from '../../src/media/remote/mixer-service.js';
import { RemoteMixers } from '../../src/media/remote/remote-mixers.js';
import { concat, levelAt, tone } from '../../testkit/signal/index.js';
import { sleep } from '../support/media-operator.js';
import { until } from '../support/until.js';

const log = pino({ level: 'silent' });
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const GRACE_MS = 1000;

function rig(maxEngines?: number) {
  const control = new InProcessControlPlane({ heartbeatMs: 50, expiryMs: 200 });
  const mixer = new MixerService({ control, id: 'a-mixer-1', backend: 'a', log, capacity: 100, mixer: {}, expiryMs: 200, edgeGraceMs: GRACE_MS, ...(maxEngines ? { maxEngines } : {}) });
  const mixes: WorkerTick[] = [];
  const pool = new EnginePool({ engines: 1, mixer: { phases: 1 }, log, onWorkerMix: (t) => mixes.push(t) });
  const edge = control.announce({ id: 'a-media-1', kind: 'edge', backend: 'a', capacity: 10, load: 0 });
  const remote = new RemoteMixers({ control, backend: 'a', edge: 'a-media-1', pool, settings: { phases: 1 }, log });
  cleanups.push(() => control.close(), () => mixer.close(), () => pool.close(), () => remote.close());
  return { control, mixer, pool, edge, remote, mixes };
}

describe('remote mixer engines (in-process control plane)', () => {
  it('mixes a listener on the mixer host, reports it as load, and moves it home when the host goes down', async () => {
    const { control, mixer, pool, mixes } = rig();
    await until('the remote engine in the pool', () => pool.workerEngines.some((w) => w.isolation === 'remote'), { pollMs: 5 });
    pool.setListener('bob', { ssrc: 5, volumes: { loopA: 100 } });
    expect(pool.inWorker('bob')).toBe(true);
    await until('the mixer host mixing bob', () => mixer.listeners === 1, { pollMs: 5 });
    await until('bob as the announced load', () => control.services('mixer')[0]?.load === 1, { pollMs: 5 });

    const encoder = new OpusFrameEncoder();
    for (let k = 0; k < 30; k++) {
      const payload = encoder.encode(tone({ frequency: 440, dbfs: -12, samples: FRAME_SAMPLES, startSample: k * FRAME_SAMPLES }));
      pool.push('loopA', { ssrc: 9001, sequenceNumber: k, timestamp: k * FRAME_SAMPLES, payload }, k * 20);
      pool.push('loopB', { ssrc: 9002, sequenceNumber: k, timestamp: k * FRAME_SAMPLES, payload }, k * 20);
      pool.tick(k * 20 + 20, k);
      await until(`tick ${k} mixed remotely`, () => mixes.some((m) => m.tag === k), { pollMs: 5 });
    }
    const decoder = new OpusFrameDecoder();
    const frames = mixes.filter((m) => m.tag >= 10).flatMap((m) => m.outputs.filter((o) => o.listenerIds.includes('bob')).map((o) => decoder.decode(o.frame)));
    expect(frames.length).toBeGreaterThan(10);
    expect(levelAt(concat(frames), 440)).toBeGreaterThan(-20);
    // Only loops bob hears crossed the wire: loopB's talker is unknown to the remote engine.
    expect(pool.counters.packets).toBe(30 + 30 + 30); // local engine: both loops; remote: loopA only

    await mixer.close(); // withdrawn: down at once
    await until('bob back on the edge', () => !pool.inWorker('bob'), { pollMs: 5 });
    expect(pool.load).toEqual([1]);
    expect(() => pool.setVolume('bob', 'loopA', 50)).not.toThrow();
    expect(pool.lost).toBe(1);
    pool.setListener('erin', { volumes: { loopA: 100 } });
    expect(pool.inWorker('erin'), 'no mixer host: mixed on the edge').toBe(false);

    // A mixer host comes up: new listeners go there, and the quiet ones mixed on the edge move there.
    const second = new MixerService({ control, id: 'a-mixer-2', backend: 'a', log, capacity: 100, mixer: {}, expiryMs: 200 });
    cleanups.push(() => second.close());
    await until('an engine on the new mixer host', () => pool.workerEngines.some((w) => w.isolation === 'remote'), { pollMs: 5 });
    pool.setListener('frank', { volumes: { loopA: 100 } });
    expect(pool.inWorker('frank')).toBe(true);
    await until('bob and erin moved back onto a mixer host', () => pool.inWorker('bob') && pool.inWorker('erin'), { timeoutMs: 4000, pollMs: 5 });
    await until('all three mixed on the new host', () => second.listeners === 3, { pollMs: 5 });
    expect(pool.load).toEqual([0, 3]);
  }, 20_000);

  it('drops and counts hostile stream messages, closes engines of a down edge, refuses beyond its engines', async () => {
    const { control, mixer, pool, edge, remote, mixes } = rig(1);
    await until('the remote engine in the pool', () => pool.workerEngines.some((w) => w.isolation === 'remote'), { pollMs: 5 });
    const engine = mixer.engineCount === 1 ? 'a-media-1-m1' : '';
    const topics = engineTopics(engine);
    for (const data of [new Uint8Array([0, 0, 0, 200, 1]), new Uint8Array([0, 0, 0, 2, 0x7b, 0x7d]), Buffer.from('\u0000\u0000\u0000\u000f{"type":"exec"}')]) {
      control.publish(topics.in, data);
    }
    await until('three malformed messages counted', () => mixer.malformed === 3, { pollMs: 5 });
    // Forged replies to the edge: dropped and counted; the engine keeps serving.
    const forged = [new Uint8Array([0xff, 0xff, 0xff, 0xff]), Buffer.from('\u0000\u0000\u0000\u0011{"type":"mixed"}!'), encodeWire({ type: 'ready' }).subarray(0, 6)];
    for (const data of forged) control.publish(topics.out, data);
    await until('three forged replies counted', () => remote.malformed === 3, { pollMs: 5 });
    pool.setListener('carol', { volumes: { loopA: 100 } });
    pool.tick(20, 77);
    await until('the engine still answering', () => mixes.some((m) => m.tag === 77), { pollMs: 5 });
    await expect(control.request('a-mixer-1', MIXER_ENGINE_COMMAND, { op: 'open', engine: 'other', edge: 'a-media-2', settings: { phases: 1 } })).rejects.toThrow(/full/);
    await expect(control.request('a-mixer-1', MIXER_ENGINE_COMMAND, { op: 'open', engine: 'x', edge: 'y', settings: { phases: 99 } })).rejects.toThrow(/malformed/);
    await expect(control.request('a-mixer-1', MIXER_ENGINE_COMMAND, { op: 'open', engine: 'a.b', edge: 'y', settings: { phases: 1 } })).rejects.toThrow(/malformed/);
    expect(mixer.engineCount).toBe(1);
    // The edge is gone from the registry and silent: after the grace the mixer host closes the engine
    // and says so; the edge (alive here) moves carol home at once, without a tick.
    const downAt = Date.now();
    await edge.withdraw();
    await until('the engine of the edge that went down closed', () => mixer.engineCount === 0, { timeoutMs: GRACE_MS + 2000, pollMs: 5 });
    // The host last saw it in the registry up to one check (50 ms) before it went.
    expect(Date.now() - downAt, 'not before the grace').toBeGreaterThanOrEqual(GRACE_MS - 60);
    await until('carol back on the edge after the closed notice', () => !pool.inWorker('carol'), { timeoutMs: 2000, pollMs: 5 });
    expect(pool.lost).toBe(1);
  }, 20_000);

  it('an edge that looks down but keeps ticking keeps its engine; once it is really gone the engine is closed after the grace', async () => {
    const { control, mixer, pool, edge } = rig();
    await until('the remote engine in the pool', () => pool.workerEngines.some((w) => w.isolation === 'remote'), { pollMs: 5 });
    pool.setListener('gina', { ssrc: 7, volumes: { loopA: 80 } });
    await until('gina mixed on the mixer host', () => mixer.listeners === 1, { pollMs: 5 });
    // The registry loses the edge (missed heartbeats under load) while it mixes: ticks keep coming.
    await edge.withdraw();
    let k = 0;
    let lastTickAt = 0;
    const until2 = Date.now() + 2 * GRACE_MS;
    while (Date.now() < until2) {
      pool.tick(k * 20, k++);
      lastTickAt = Date.now();
      await sleep(20);
    }
    expect(mixer.engineCount, 'the ticking edge keeps its engine').toBe(1);
    expect(pool.inWorker('gina')).toBe(true);
    expect(pool.lost).toBe(0);
    // Really gone: down and silent (no more ticks). Closed after the grace, nothing left on the host.
    await until('the engine of the gone edge closed', () => mixer.engineCount === 0, { timeoutMs: GRACE_MS + 2000, pollMs: 5 });
    expect(Date.now() - lastTickAt, 'not before the grace after its last tick').toBeGreaterThanOrEqual(GRACE_MS);
    expect(mixer.listeners).toBe(0);
    await until('the host announcing no load', () => control.services('mixer')[0]?.load === 0, { pollMs: 5 });
    await until('gina moved home after the closed notice', () => !pool.inWorker('gina'), { timeoutMs: 2000, pollMs: 5 });
    expect(pool.lost).toBe(1);
  }, 20_000);

  it('a mixer host that looks down in the registry but answers the probe keeps the engine; one that is gone does not', async () => {
    const { mixer, pool } = rig();
    await until('the remote engine in the pool', () => pool.workerEngines.some((w) => w.isolation === 'remote'), { pollMs: 5 });
    pool.setListener('jon', { volumes: { loopA: 100 } });
    await until('jon mixed on the mixer host', () => mixer.listeners === 1, { pollMs: 5 });
    // Its heartbeats are lost (as under load) while it serves: the edge asks, the host answers.
    await (mixer as unknown as { announcement: Announcement }).announcement.withdraw();
    await sleep(300);
    expect(pool.inWorker('jon'), 'the engine kept: the host answered the probe').toBe(true);
    expect(pool.lost).toBe(0);
    // Now really gone (no one serves the command any more): the next probe, after unanswered ticks, ends it.
    await mixer.close();
    for (let k = 0; k < PROBE_AFTER_TICKS + 5; k++) pool.tick(k * 20, k);
    await until('jon back on the edge', () => !pool.inWorker('jon'), { timeoutMs: 2000, pollMs: 5 });
    expect(pool.lost).toBe(1);
  }, 20_000);

  it('moves listeners back onto a mixer host that is up again: quiet ones within seconds, a talking-heard one once quiet', async () => {
    const { control, mixer, pool, mixes } = rig();
    await until('the remote engine in the pool', () => pool.workerEngines.some((w) => w.isolation === 'remote'), { pollMs: 5 });
    pool.setListener('hana', { ssrc: 11, volumes: { loopA: 100 } });
    pool.setListener('ivan', { ssrc: 12, volumes: { loopB: 40 } });
    await until('both mixed on the mixer host', () => mixer.listeners === 2, { pollMs: 5 });
    // Someone talks on loopA, heard by hana: the plane's clock ticks every 20 ms.
    const encoder = new OpusFrameEncoder();
    let talking = true;
    let running = true;
    let k = 0;
    const clock = (async () => {
      while (running) {
        if (talking) {
          const payload = encoder.encode(tone({ frequency: 440, dbfs: -12, samples: FRAME_SAMPLES, startSample: k * FRAME_SAMPLES }));
          pool.push('loopA', { ssrc: 9001, sequenceNumber: k, timestamp: k * FRAME_SAMPLES, payload }, k * 20);
        }
        pool.tick(k * 20 + 20, k++);
        await sleep(20);
      }
    })();
    cleanups.push(async () => {
      running = false;
      await clock;
    });
    await until('hana hearing the talker remotely', () => mixes.some((m) => m.outputs.some((o) => o.listenerIds.includes('hana'))), { pollMs: 5 });
    await mixer.close();
    await until('both on the edge', () => !pool.inWorker('hana') && !pool.inWorker('ivan'), { pollMs: 5 });
    const packetsBefore = pool.counters.packets;

    const second = new MixerService({ control, id: 'a-mixer-2', backend: 'a', log, capacity: 100, mixer: {}, expiryMs: 200 });
    cleanups.push(() => second.close());
    const upAt = Date.now();
    await until('quiet ivan moved back onto the new host', () => pool.inWorker('ivan'), { timeoutMs: 4000, pollMs: 5 });
    console.log(`quiet listener moved back ${Date.now() - upAt} ms after the mixer host came up`);
    await sleep(1500); // a pass or more: hana, hearing a talker, stays on the edge
    expect(pool.inWorker('hana'), 'a talking-heard listener is not switched mid-spurt').toBe(false);
    talking = false;
    const quietAt = Date.now();
    await until('hana moved once quiet', () => pool.inWorker('hana'), { timeoutMs: 4000, pollMs: 5 });
    console.log(`talking-heard listener moved ${Date.now() - quietAt} ms after the talker stopped`);
    expect(pool.moved).toBe(2);
    expect(pool.load).toEqual([0, 2]);
    await until('the new host mixing both and announcing them', () => second.listeners === 2 && control.services('mixer')[0]?.load === 2, { pollMs: 5 });
    expect(pool.counters.packets, 'counters kept across moves').toBeGreaterThanOrEqual(packetsBefore);
    // Their volumes and SSRC came along: hana hears loopA when someone talks again.
    talking = true;
    const from = k;
    await until('hana hearing from the new host', () => mixes.some((m) => m.tag > from && m.outputs.some((o) => o.listenerIds.includes('hana'))), { pollMs: 5 });
    await sleep(1500);
    expect(pool.moved, 'no further moves (hysteresis)').toBe(2);
  }, 30_000);

  it('an engine gone from its host without notice is found by a probe after PROBE_AFTER_TICKS unanswered ticks', async () => {
    const { mixer, pool } = rig();
    await until('the remote engine in the pool', () => pool.workerEngines.some((w) => w.isolation === 'remote'), { pollMs: 5 });
    pool.setListener('dave', { volumes: { loopA: 100 } });
    await until('dave mixed on the mixer host', () => mixer.listeners === 1, { pollMs: 5 });
    // As if the host had lost it (a restart under the same id, a bug): no notice, no more replies.
    (mixer as unknown as { closeEngine(engine: string, why: string): void }).closeEngine('a-media-1-m1', 'closed by its edge');
    for (let k = 0; k < PROBE_AFTER_TICKS + 5; k++) pool.tick(k * 20, k);
    // Long before HUNG_TICKS (50 ticks here): the host answered that it does not know the engine.
    await until('dave back on the edge after the probe', () => !pool.inWorker('dave'), { timeoutMs: 2000, pollMs: 5 });
    expect(pool.lost).toBe(1);
  }, 20_000);

  it('an open that got no answer in time is closed on the host too (the engine may exist there)', async () => {
    const control = new InProcessControlPlane({ heartbeatMs: 50, expiryMs: 200 });
    cleanups.push(() => control.close());
    const ops: string[] = [];
    control.serve('a-mixer-slow', MIXER_ENGINE_COMMAND, async (payload) => {
      const op = (payload as { op: string }).op;
      ops.push(op);
      if (op === 'open') await sleep(400); // answered after the edge gave up: the engine exists
      return {};
    });
    const exits: Array<Error | undefined> = [];
    remoteChannel(
      { control, mixer: 'a-mixer-slow', engine: 'e-slow', edge: 'a-media-1', settings: { phases: 1 }, openTimeoutMs: 50 },
      { message: () => undefined, exit: (err) => exits.push(err) },
    );
    await until('the open given up and the engine closed on the host', () => exits.length === 1 && ops.includes('close'), { pollMs: 5 });
    expect(exits[0]?.message).toMatch(/no answer/);
    expect(ops.filter((op) => op === 'open').length).toBeGreaterThanOrEqual(1);
  });
});
