// The stress ramp: measure a window, and while loss and p99 latency stay within the limits, add
// operators and measure again. A step fails only if two windows in a row break a limit (the
// machine is shared and a single noisy window should not end the ramp).
import type { RampStep } from './result.js';
import type { Scenario } from './scenario.js';
import type { ShardedFleet } from './sharded-fleet.js';
import { countersDelta, lateTicksPercent, type MediaCounters } from './server-metrics.js';
import { round, sleep } from './stats.js';
import type { MeasureWindow, WindowResult } from './window.js';

export interface RampOutcome {
  steps: RampStep[];
  maxOperators: number;
  stoppedBecause: string;
  /** True when the ramp ended because a step broke the limits (not at its operator bound or a failed connect). */
  limitsBroke: boolean;
  best: WindowResult | undefined;
  last: WindowResult;
}

/** `clock` reads the server's media counters (self-started Loopcast): how late its mixing ticks ran. */
export async function runRamp(fleet: ShardedFleet, scenario: Scenario, open: () => Promise<MeasureWindow>, log: (line: string) => void, clock?: () => Promise<MediaCounters | undefined>): Promise<RampOutcome> {
  const stress = scenario.stress;
  if (!stress) throw new Error('runRamp needs scenario.stress');
  const steps: RampStep[] = [];
  let best: WindowResult | undefined;
  let last: WindowResult | undefined;
  const measure = async (): Promise<RampStep> => {
    const before = await clock?.();
    const window = await open();
    await sleep(stress.stepSeconds * 1000);
    last = await window.end();
    const after = await clock?.();
    const late = before && after ? lateTicksPercent(countersDelta(before, after)) : undefined;
    if (late !== undefined) last.server.lateTicksPercent = round(late, 2);
    const ok = last.lossPercent < stress.maxLossPercent && last.latencyMs.p99 < stress.maxP99Ms;
    const step: RampStep = {
      operators: last.operators,
      lossPercent: last.lossPercent,
      stalls: last.stalls,
      latencyMs: last.latencyMs,
      serverCpuPercent: Math.round(last.server.cpuPercent),
      ...(last.server.throttledPercent !== undefined ? { serverThrottledPercent: last.server.throttledPercent } : {}),
      ...(last.server.stoppedPercent !== undefined ? { serverStoppedPercent: last.server.stoppedPercent } : {}),
      ...(last.server.lateTicksPercent !== undefined ? { serverLateTicksPercent: last.server.lateTicksPercent } : {}),
      clientCpuPercent: Math.round(last.client.cpuPercent),
      clientEventLoopDelayP99Ms: last.client.eventLoopDelayP99Ms,
      ...(last.client.shardEventLoopDelayP99Ms ? { clientShardEventLoopDelayP99Ms: last.client.shardEventLoopDelayP99Ms } : {}),
      ok,
    };
    steps.push(step);
    log(`ramp: ${step.operators} operators, loss ${step.lossPercent} %, p99 ${step.latencyMs.p99} ms, server ${step.serverCpuPercent} %${step.serverThrottledPercent !== undefined ? ` (throttled in ${step.serverThrottledPercent} % of periods, stopped ${step.serverStoppedPercent ?? 0} % of the time)` : ''}${step.serverLateTicksPercent !== undefined ? `, ${step.serverLateTicksPercent} % of its ticks > 10 ms late` : ''}, load generator ${step.clientCpuPercent} % (event-loop delay p99 ${step.clientShardEventLoopDelayP99Ms ? `per shard ${step.clientShardEventLoopDelayP99Ms.join(' / ')}` : step.clientEventLoopDelayP99Ms} ms) → ${ok ? 'ok' : 'over the limits'}`);
    return step;
  };
  let stoppedBecause = `reached ${scenario.operators} operators`;
  let limitsBroke = false;
  for (;;) {
    let step = await measure();
    if (!step.ok) step = await measure();
    if (!step.ok) {
      stoppedBecause = `loss ≥ ${stress.maxLossPercent} % or p99 ≥ ${stress.maxP99Ms} ms at ${step.operators} operators`;
      limitsBroke = true;
      break;
    }
    best = last;
    if (fleet.size >= scenario.operators) break;
    const target = Math.min(scenario.operators, fleet.size + stress.step);
    const failed = await fleet.grow(target);
    if (failed > 0) {
      stoppedBecause = `${failed} operators could not connect at ${fleet.size} (${fleet.errors.at(-1) ?? ''})`;
      break;
    }
    await sleep(1000); // let the new operators' mixes settle before measuring
  }
  return { steps, maxOperators: best?.operators ?? 0, stoppedBecause, limitsBroke, best, last: last as WindowResult };
}
