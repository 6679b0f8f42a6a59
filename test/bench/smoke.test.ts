// The load tool's smoke scenario against a real Loopcast (child process): every listener hears every
// talker the layout says it should (by its test tone), and none it should not (its own voice
// included). This also keeps the load tool itself working.
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../bench/lib/runner.js';
import { expectedHearing, loadScenario } from '../../bench/lib/scenario.js';
import { ensureBuilt } from '../support/kill-server.js';
import { expectExactHearing } from './support/hearing.js';

describe('load tool: smoke scenario', () => {
  it('every listener hears exactly its expected talkers, with sane latency and no loss', async () => {
    await ensureBuilt();
    const scenario = await loadScenario('smoke');
    const result = await runScenario({ scenario });

    expect(result.operators).toBe(scenario.operators);
    expect(result.failedOperators).toBe(0);
    expectExactHearing(result, scenario);
    for (const h of result.hearing) {
      expect.soft(h.spotChecks + h.ownVoice.checks, `${h.user} was checked for talkers it must not hear`).toBeGreaterThan(0);
    }
    // Every listener hears someone in this layout, so the check above is never vacuous.
    expect([...expectedHearing(scenario).values()].every((s) => s.size > 0)).toBe(true);
    expect(result.latencyMs.n).toBeGreaterThan(10);
    expect(result.latencyMs.p50).toBeLessThan(100);
    expect(result.lossPercent).toBeLessThan(1);
    expect(result.setupMs.n).toBe(scenario.operators);
  }, 60_000);
});
