// What a load-tool run's listeners must have heard: exactly the talkers the scenario's layout gives
// them, none other, never their own voice (soft: every listener's mistakes are listed at once).
import { expect } from 'vitest';
import type { BenchResult } from '../../../bench/lib/result.js';
import { expectedHearing, type Scenario } from '../../../bench/lib/scenario.js';

export function expectExactHearing(result: BenchResult, scenario: Scenario): void {
  const layout = expectedHearing(scenario);
  for (const [i, h] of result.hearing.entries()) {
    const expected = [...(layout.get(i) ?? [])].sort((a, b) => a - b);
    expect.soft(h.expected, `${h.user} expected`).toEqual(expected);
    expect.soft(h.heard, `${h.user} heard`).toEqual(expected);
    expect.soft(h.unexpected, `${h.user} unexpected`).toEqual([]);
    expect.soft(h.ownVoice.heard, `${h.user} heard its own voice`).toBe(0);
  }
}
