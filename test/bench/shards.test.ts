// The load generator split over processes (bench/lib/sharded-fleet.ts): shard 0 holds the talkers,
// the others the remaining listeners; bursts are announced to every shard before they start, so that
// listeners in another process than their talker probe them like local ones.
import { describe, expect, it } from 'vitest';
import { FRAME_SAMPLES } from '../../src/media/opus.js';
import { ANNOUNCE_FRAMES, burstSource } from '../../bench/lib/talk.js';
import { runScenario } from '../../bench/lib/runner.js';
import { loadScenario, parseScenario, slotOperator } from '../../bench/lib/scenario.js';
import { shardOf, talkerOperators } from '../../bench/lib/sharded-fleet.js';
import { ToneAnalyzer } from '../../bench/lib/tone-analyzer.js';
import { tone } from '../../testkit/signal/index.js';
import { ensureBuilt } from '../support/kill-server.js';
import { expectExactHearing } from './support/hearing.js';

const beep = (frequency: number): Int16Array => tone({ frequency, dbfs: -28, samples: FRAME_SAMPLES });
const frame = (arrivedAt: number, pcm: Int16Array) => ({ arrivedAt, sequenceNumber: 0, timestamp: 0, concealed: false, pcm });
const silence = new Int16Array(FRAME_SAMPLES);

describe('load generator shards: who runs where', () => {
  const stress = parseScenario({ name: 's', operators: 400, loops: 24, monitorPerOperator: 8, talkers: 6, durationSeconds: 10 });

  it('shard 0 holds exactly the talker slots of every round the run reaches', () => {
    expect([...talkerOperators(stress, 20)].sort((a, b) => a - b)).toEqual([0, 3, 6, 9, 12, 15]);
    const rotating = { ...stress, rotateSeconds: 5 };
    const all = talkerOperators(rotating, 20);
    for (let t = 0; t < 6; t++) for (let r = 0; r < 3; r++) expect(all.has(slotOperator(rotating, 20, t, r))).toBe(true);
    expect(all.size).toBe(18);
  });

  it('listeners are spread round robin over the other shards; one shard holds everybody', () => {
    const talkers = talkerOperators(stress, 20);
    const counts = [0, 0, 0];
    for (let i = 0; i < 140; i++) {
      const k = shardOf(i, 3, talkers);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    expect(counts[0]).toBe(6);
    expect(Math.abs((counts[1] ?? 0) - (counts[2] ?? 0))).toBeLessThanOrEqual(1);
    for (let i = 0; i < 140; i++) expect(shardOf(i, 1, talkers)).toBe(0);
  });
});

describe('announced bursts', () => {
  it('a talker announces every burst but the first ANNOUNCE_FRAMES frames before its onset', () => {
    const events: Array<[string, number]> = [];
    const source = burstSource(550, { burstMs: 40, pauseMs: 100, dbfs: -16 }, () => events.push(['onset', frameNo]), () => events.push(['upcoming', frameNo]));
    let frameNo = 0;
    for (; frameNo < 21; frameNo++) source(frameNo);
    // period 7 frames: onsets at 0, 7, 14; announcements 2 frames before the later ones
    expect(events).toEqual([
      ['onset', 0],
      ['upcoming', 7 - ANNOUNCE_FRAMES],
      ['onset', 7],
      ['upcoming', 14 - ANNOUNCE_FRAMES],
      ['onset', 14],
      ['upcoming', 21 - ANNOUNCE_FRAMES],
    ]);
  });

  it('an announced probe measures from the confirmed onset, not the announcement', () => {
    const a = new ToneAnalyzer();
    a.addProbe(0, 550, 1000, 'expected', () => true, 'k');
    a.onFrame(frame(1010, silence));
    a.onFrame(frame(1030, silence));
    a.confirmOnset('k', 1040);
    a.onFrame(frame(1070, beep(550)));
    a.onFrame(frame(1090, beep(550)));
    a.onFrame(frame(1110, beep(550)));
    expect(a.latencies).toEqual([{ onset: 1040, ms: 30 }]);
    expect(a.slots.get(0)).toMatchObject({ expectedBursts: 1, heardBursts: 1, dropped: 0 });
  });

  it('a tone seen before the confirmation is booked from the onset once it comes; one before the onset is not ours', () => {
    const late = new ToneAnalyzer();
    late.addProbe(0, 550, 1000, 'expected', () => true, 'k');
    late.onFrame(frame(1070, beep(550)));
    late.confirmOnset('k', 1040); // the onset message came after the tone
    expect(late.latencies).toEqual([{ onset: 1040, ms: 30 }]);

    const early = new ToneAnalyzer();
    early.addProbe(0, 550, 1000, 'expected', () => true, 'k');
    early.onFrame(frame(1030, beep(550))); // cannot be this burst: it started at 1040
    early.onFrame(frame(1050, silence));
    early.onFrame(frame(1070, beep(550))); // the onset message is still on its way
    early.onFrame(frame(1090, beep(550)));
    early.confirmOnset('k', 1040);
    expect(early.latencies).toEqual([{ onset: 1040, ms: 30 }]);
    early.onFrame(frame(1110, beep(550)));
    early.onFrame(frame(1130, beep(550)));
    expect(early.slots.get(0)).toMatchObject({ expectedBursts: 1, heardBursts: 1, dropped: 0 });
  });

  it('a burst announced but never started (the talker stopped) is dropped, not missed', () => {
    const a = new ToneAnalyzer();
    a.addProbe(0, 550, 1000, 'expected', () => true, 'k');
    a.addProbe(1, 800, 1000, 'unexpected', () => true, 'k2');
    a.onFrame(frame(1100, beep(800)));
    a.expire(2000);
    expect(a.slots.get(0)).toMatchObject({ expectedBursts: 0, dropped: 1 });
    expect(a.slots.get(1)).toMatchObject({ unexpectedChecks: 0, unexpectedHeard: 0, dropped: 1 });
  });
});

describe('load tool: smoke scenario over two shard processes', () => {
  it('both shards connect their operators, listeners hear talkers of the other shard, results are merged', async () => {
    await ensureBuilt();
    const scenario = await loadScenario('smoke');
    const result = await runScenario({ scenario, generatorShards: 2 });

    expect(result.generatorShards).toBe(2);
    expect(result.operators).toBe(scenario.operators);
    expect(result.failedOperators).toBe(0);
    expect(result.setupMs.n).toBe(scenario.operators);
    expect(result.hearing.map((h) => h.user)).toEqual(['op0', 'op1', 'op2', 'op3']);
    // Talkers op0 and op2 run in shard 0, op1 and op3 in shard 1: every one of them hears a talker of shard 0.
    const talkers = talkerOperators(scenario, scenario.operators);
    expect([...talkers].sort()).toEqual([0, 2]);
    expectExactHearing(result, scenario);
    expect(result.hearing.filter((h) => h.spotChecks + h.ownVoice.checks > 0).length).toBe(scenario.operators);
    expect(result.latencyMs.n).toBeGreaterThan(10);
    expect(result.latencyMs.p50).toBeGreaterThan(0);
    expect(result.latencyMs.p50).toBeLessThan(100);
    expect(result.lossPercent).toBeLessThan(1);
    expect(result.replyMs.login?.n).toBe(scenario.operators);
  }, 90_000);
});
