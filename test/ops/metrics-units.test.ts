// The pure parts behind the metrics: RTCP report blocks (also hostile input), open-interval
// seconds, label caps, session counting, and uplink sampling across talker restarts.
import fc from 'fast-check';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parseReportBlocks, receiverReport } from '../../src/media/rtcp.js';
import { PlaneMetrics, type PlaneView } from '../../src/media/plane/plane-metrics.js';
import type { CodecFactory, MixerCounters } from '../../src/media/mixer/index.js';
import type { PlayoutStats } from '../../src/media/playout/index.js';
import { IntervalClock } from '../../src/metrics/interval-clock.js';
import { LabelCap, OTHER } from '../../src/metrics/label-cap.js';
import { Metrics } from '../../src/metrics/registry.js';
import { countSessions } from '../../src/metrics/signaling-collectors.js';
import { Scrape } from './scrape.js';

describe('RTCP report blocks', () => {
  it('round-trip through receiverReport, negative cumulative loss included', () => {
    const block = { source: 0xdeadbeef, fractionLost: 13 / 256, cumulativeLost: -3, highestSeq: 70_000, jitter: 480, lsr: 7, dlsr: 9 };
    expect(parseReportBlocks(receiverReport(42, block))).toEqual([{ reporter: 42, ...block }]);
  });

  it('never throw on arbitrary bytes and only return complete blocks', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const blocks = parseReportBlocks(Buffer.from(bytes));
        for (const b of blocks) expect(b.fractionLost).toBeLessThanOrEqual(1);
      }),
      { seed: 17, numRuns: 500 },
    );
    const truncated = receiverReport(1, { source: 2, fractionLost: 0, cumulativeLost: 0, highestSeq: 0, jitter: 0, lsr: 0, dlsr: 0 }).subarray(0, 20);
    expect(parseReportBlocks(truncated)).toEqual([]);
  });
});

describe('IntervalClock', () => {
  it('adds the time of closed intervals and, at flush, of open ones without counting twice', () => {
    let now = 0;
    const added: number[] = [];
    const clock = new IntervalClock<string>({ add: (_k, s) => added.push(s) }, () => now);
    clock.start('a', 'loop1');
    clock.start('a', 'loop1');
    now = 1500;
    clock.flush();
    now = 2000;
    clock.stop('a');
    clock.stop('a');
    expect(added).toEqual([1.5, 0.5]);
    expect(clock.openCount).toBe(0);
  });
});

describe('label caps', () => {
  it('keep the first values and fold later ones into _other', () => {
    const cap = new LabelCap(2);
    expect([cap.label('a'), cap.label('b'), cap.label('c'), cap.label('a')]).toEqual(['a', 'b', OTHER, 'a']);
  });

  it('count sessions per project, role and client kind, and loops from the directory', () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const scope = { id: 'mcc' };
    const counts = countSessions(
      metrics,
      [
        { login: { scope }, role: 'flight', loopStates: new Map([['loop1', 'send']]), talking: new Set(['loop1']) },
        { login: { scope }, role: 'ground', loopStates: new Map([['loop1', 'recv']]), talking: new Set() },
        { login: { scope }, role: undefined, loopStates: new Map(), talking: new Set() },
        { login: undefined, role: undefined, loopStates: new Map(), talking: new Set() },
      ],
      () => [{ project: 'mcc', loop: 'loop1' }, { project: 'mcc', loop: 'idle' }],
    );
    expect([...counts.sessions.values()].map((s) => [s.role, s.client, s.count])).toEqual([
      ['flight', 'keyset', 1],
      ['ground', 'keyset', 1],
      ['', 'console', 1],
    ]);
    expect(counts.loops.get('mcc/loop1')?.counts).toEqual({ participants: 2, monitors: 1, talkers: 1 });
    expect(counts.loops.get('mcc/idle')?.counts).toEqual({ participants: 0, monitors: 0, talkers: 0 });
  });
});

describe('uplink sampling', () => {
  it('counts deltas per talker, restarts with a new talker, ignores bus talkers', async () => {
    // Only the fields the sampler reads (the playout and mixer stats grow independently).
    const stats = (received: number, lost: number): PlayoutStats => ({ received, lost, jitterMs: 2 }) as PlayoutStats;
    let talkers: Array<{ ssrc: number; stats: PlayoutStats }> = [];
    const view: PlaneView = {
      sessionCount: 1,
      counters: { rtpIn: 0, rtpOut: 0, dtxDropped: 0 },
      enginesLost: 0,
      engineCounters: { decodes: 0, conceals: 0, encodes: 0, sharedHits: 0 } as MixerCounters,
      talkerStats: () => talkers,
      isLocalTalker: (ssrc) => ssrc === 1,
    };
    const registry = new Registry();
    const metrics = new PlaneMetrics(registry, view);
    talkers = [{ ssrc: 1, stats: stats(95, 5) }, { ssrc: 9, stats: stats(10, 90) }];
    metrics.sampleUplink();
    talkers = [{ ssrc: 1, stats: stats(145, 5) }];
    metrics.sampleUplink();
    // The talker restarted (its stats start again): the new numbers count from zero.
    talkers = [{ ssrc: 1, stats: stats(10, 0) }];
    metrics.sampleUplink();
    const s = new Scrape(await registry.metrics());
    expect(s.value('loopcast_uplink_packets_expected_total')).toBe(160);
    expect(s.value('loopcast_uplink_packets_lost_total')).toBe(5);
    const loss = s.histogram('loopcast_uplink_loss_ratio');
    expect(loss.count).toBe(3);
    expect(loss.sum).toBeCloseTo(0.05, 6);
    expect(s.histogram('loopcast_uplink_jitter_seconds').sum).toBeCloseTo(0.006, 6);
  });
});

describe('timed codecs', () => {
  it('pass the independent-frame request through to the encoder (a wrapper that dropped it broke encoder switches)', () => {
    const view: PlaneView = {
      sessionCount: 0,
      counters: { rtpIn: 0, rtpOut: 0, dtxDropped: 0 },
      enginesLost: 0,
      engineCounters: { decodes: 0, conceals: 0, encodes: 0, sharedHits: 0 } as MixerCounters,
      talkerStats: () => [],
      isLocalTalker: () => false,
    };
    const seen: Array<boolean | undefined> = [];
    const inner: CodecFactory = {
      createEncoder: () => ({
        encode: (_pcm, independent) => {
          seen.push(independent);
          return Buffer.alloc(1);
        },
        reset() {},
        close() {},
      }),
      createDecoder: () => ({ decode: () => new Int16Array(960), conceal: () => new Int16Array(960), close() {} }),
    };
    const encoder = new PlaneMetrics(new Registry(), view).timedCodecs(inner).createEncoder();
    encoder.encode(new Int16Array(960), true);
    encoder.encode(new Int16Array(960), false);
    expect(seen).toEqual([true, false]);
  });
});
