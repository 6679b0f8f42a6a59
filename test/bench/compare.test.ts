// Pure parts of `bench compare` and of the ramp's verdict: run order, ratios with ranges, saturated side.
import { describe, expect, it } from 'vitest';
import { compareRunsMarkdown, schedule, type RunRecord } from '../../bench/lib/compare-runs.js';
import type { BenchResult } from '../../bench/lib/result.js';
import { cpuList, saturatedSide } from '../../bench/lib/saturation.js';
import type { WindowResult } from '../../bench/lib/window.js';

function result(cpu: number, rss: number, load: number): BenchResult {
  const summary = { n: 1, p50: 10, p99: 20, max: 20, mean: 10 };
  return {
    machine: { cpus: 2, node: 'v20', loadAverage: { start: [load, 0, 0], end: [load + 1, 0, 0] } },
    operators: 60,
    failedOperators: 0,
    serverCost: { cpuPercent: cpu, cpuPercentPerOperator: cpu / 60, rssMb: rss },
    setupMs: summary,
    latencyMs: summary,
    lossPercent: 0,
    audio: { unexpectedPairs: 0, ownVoiceHeard: 0 },
  } as unknown as BenchResult;
}

describe('bench compare', () => {
  it('alternates the backends A/B/A/B', () => {
    expect(schedule(['loopcast', 'openvocs'], 2)).toEqual([
      { backend: 'loopcast', run: 1 },
      { backend: 'openvocs', run: 1 },
      { backend: 'loopcast', run: 2 },
      { backend: 'openvocs', run: 2 },
    ]);
  });

  it('prints every run with its load average and B/A as median [min–max] over the run pairs', () => {
    const records: RunRecord[] = [
      { backend: 'A', run: 1, result: result(10, 100, 9.5) },
      { backend: 'B', run: 1, result: result(100, 1000, 10) },
      { backend: 'A', run: 2, result: result(20, 100, 11) },
      { backend: 'B', run: 2, result: result(100, 1200, 12) },
    ];
    const md = compareRunsMarkdown(records, 'A', 'B');
    expect(md).toContain('| 9.5 → 10.5 |');
    expect(md).toMatch(/\| server CPU \(% of one core, all processes\) \| 15 \| 100 \| 7\.5× \[5–10\] \|/);
    expect(md).toMatch(/\| server RSS \(MB, all processes\) \| 100 \| 1100 \| 11× \[10–12\] \|/);
  });
});

describe('ramp verdict', () => {
  const window = (server: number, client: number, delay = 5): WindowResult =>
    ({ server: { cpuPercent: server, rssMb: 0 }, client: { cpuPercent: client, rssMb: 0, eventLoopDelayP99Ms: delay } }) as WindowResult;

  it('names the side that ran out of CPU, counting each side\'s own cores', () => {
    expect(saturatedSide(window(95, 40), { server: 1, generator: 1 })).toMatch(/^the server saturated/);
    expect(saturatedSide(window(60, 97), { server: 1, generator: 1 })).toMatch(/^the load generator saturated/);
    expect(saturatedSide(window(60, 40, 120), { server: 1, generator: 1 })).toMatch(/^the load generator saturated/);
    expect(saturatedSide(window(95, 97), { server: 2, generator: 2 })).toMatch(/^neither side saturated/);
    expect(saturatedSide(window(190, 190), { server: 2, generator: 2 })).toMatch(/^both saturated/);
  });

  it('names the server when its own mixing clock fell behind (≥ 1 % of ticks > 10 ms late), whatever its CPU share', () => {
    const late = (percent: number): WindowResult => {
      const w = window(60, 30);
      w.server.lateTicksPercent = percent;
      return w;
    };
    expect(saturatedSide(late(1.5), { server: 1, generator: 1 })).toMatch(/^the server saturated .*1\.5 % of its ticks > 10 ms late/);
    expect(saturatedSide(late(0.2), { server: 1, generator: 1 })).toMatch(/^neither side saturated/);
  });

  it('reads taskset CPU lists', () => {
    expect(cpuList('1')).toEqual([1]);
    expect(cpuList('0-2,5')).toEqual([0, 1, 2, 5]);
    expect(() => cpuList('x')).toThrow();
  });
});
