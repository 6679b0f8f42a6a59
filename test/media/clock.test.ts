import { describe, expect, it } from 'vitest';
import { deadlineOf, delayMs, planTick, TICK_NS, TickClock, type Tick, type TimerApi } from '../../src/media/clock.js';

const P = TICK_NS;

/** Manual time + timers: run() advances time to the armed deadline plus some wake-up lateness. */
class FakeTime implements TimerApi {
  nowNs = 1_000_000_000n;
  pending: { fn: () => void; at: bigint } | undefined;
  set(fn: () => void, ms: number): unknown {
    this.pending = { fn, at: this.nowNs + BigInt(ms) * 1_000_000n };
    return this.pending;
  }
  clear(h: unknown): void {
    if (this.pending === h) this.pending = undefined;
  }
  /** Fires the armed timer `lateNs` after its due time. */
  fire(lateNs = 0n): void {
    const p = this.pending;
    if (!p) throw new Error('no timer armed');
    this.pending = undefined;
    this.nowNs = (p.at > this.nowNs ? p.at : this.nowNs) + lateNs;
    p.fn();
  }
}

describe('clock scheduling core', () => {
  it('plans every tick in turn over 10,000 ticks with random wake-up lateness', () => {
    const start = 5_000_000n;
    let next = 0;
    let now = start;
    let seed = 42;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let k = 0; k < 10_000; k++) {
      now = deadlineOf(start, P, next) + BigInt(Math.floor(rand() * 3_000_000)); // woke 0..3 ms late
      const plan = planTick(start, P, next, now, 3);
      expect(plan?.index).toBe(next);
      expect(plan?.skipped).toBe(0);
      next = (plan?.index ?? 0) + 1;
    }
    expect(deadlineOf(start, P, 10_000)).toBe(start + 10_000n * 20_000_000n);
  });

  it('is not due before its deadline', () => {
    expect(planTick(0n, P, 1, P - 1n, 3)).toBeUndefined();
    expect(planTick(0n, P, 1, P, 3)).toEqual({ index: 1, deadlineNs: P, lateNs: 0n, skipped: 0 });
  });

  it('runs ticks up to N periods late one by one, then skips and counts', () => {
    // 3 periods late: still runs tick 1 (catch-up).
    expect(planTick(0n, P, 1, 4n * P, 3)).toMatchObject({ index: 1, skipped: 0, lateNs: 3n * P });
    // 10.5 periods late: jumps to tick 11, skipping ticks 1..10.
    expect(planTick(0n, P, 1, 11n * P + P / 2n, 3)).toEqual({
      index: 11, deadlineNs: 11n * P, lateNs: P / 2n, skipped: 10,
    });
  });

  it('floors the wait so the timer never wakes after the deadline by design', () => {
    expect(delayMs(0n, 19_999_999n)).toBe(19);
    expect(delayMs(10n, 5n)).toBe(0);
  });
});

describe('TickClock adapter', () => {
  function clock(t: FakeTime, onError?: (e: unknown) => void): TickClock {
    return new TickClock({ now: () => t.nowNs, timers: t, maxLateTicks: 2, ...(onError ? { onError } : {}) });
  }

  it('costs nothing until subscribed and stops on the last unsubscribe', () => {
    const t = new FakeTime();
    const c = clock(t);
    expect(c.running).toBe(false);
    expect(t.pending).toBeUndefined();
    const ticks: Tick[] = [];
    const off = c.subscribe((k) => ticks.push(k));
    expect(c.running).toBe(true);
    for (let i = 0; i < 5; i++) t.fire();
    expect(ticks.map((k) => k.index)).toEqual([0, 1, 2, 3, 4]);
    off();
    expect(c.running).toBe(false);
    expect(t.pending).toBeUndefined();
  });

  it('does not drift over 10,000 ticks with random wake-up lateness', () => {
    const t = new FakeTime();
    const c = clock(t);
    const ticks: Tick[] = [];
    c.subscribe((k) => ticks.push(k));
    let seed = 42;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let wakes = 0; ticks.length < 10_000 && wakes < 30_000; wakes++) t.fire(BigInt(Math.floor(rand() * 3_000_000)));
    expect(ticks).toHaveLength(10_000);
    // The grid is fixed at the first deadline; each tick sits 20 ms after the previous one, however late it ran.
    let expected = ticks[0]?.deadlineNs ?? 0n;
    for (const [i, tick] of ticks.entries()) {
      expect(tick).toMatchObject({ index: i, skipped: 0, deadlineNs: expected });
      expect(tick.lateNs).toBeLessThan(4_000_000n);
      expected += 20_000_000n;
    }
    expect(t.nowNs - (ticks[0]?.deadlineNs ?? 0n)).toBeLessThan(9_999n * 20_000_000n + 4_000_000n);
  });

  it('re-arms when woken early and reports lateness per tick', () => {
    const t = new FakeTime();
    const c = clock(t);
    const ticks: Tick[] = [];
    c.subscribe((k) => ticks.push(k));
    t.fire(-500_000n); // 0.5 ms early: no tick, re-armed
    expect(ticks).toHaveLength(0);
    t.fire(700_000n);
    expect(ticks[0]).toMatchObject({ index: 0, skipped: 0 });
    expect(ticks[0]?.lateNs).toBeGreaterThan(0);
    expect(c.stats.maxLateNs).toBe(ticks[0]?.lateNs);
  });

  it('catches up after a stall by skipping and counting stale ticks', () => {
    const t = new FakeTime();
    const c = clock(t);
    const ticks: Tick[] = [];
    c.subscribe((k) => ticks.push(k));
    t.fire();
    t.fire(10n * P); // event loop blocked for 200 ms
    expect(ticks[1]).toMatchObject({ index: 11, skipped: 10 });
    expect(c.stats.skipped).toBe(10);
    t.fire(); // back on the original grid
    expect(ticks[2]?.index).toBe(12);
    expect(ticks[2]?.deadlineNs).toBe((ticks[0]?.deadlineNs ?? 0n) + 12n * P);
  });

  it('survives a throwing subscriber and can be closed from inside a tick', () => {
    const t = new FakeTime();
    const errors: unknown[] = [];
    const c = clock(t, (e) => errors.push(e));
    let n = 0;
    c.subscribe(() => {
      throw new Error('boom');
    });
    c.subscribe(() => {
      if (++n === 2) c.close();
    });
    t.fire();
    t.fire();
    expect(errors).toHaveLength(2);
    expect(c.stats.errors).toBe(2);
    expect(c.running).toBe(false);
    expect(t.pending).toBeUndefined();
    expect(() => c.subscribe(() => undefined)).toThrow(/closed/);
  });

  it('ticks on real time without drift (smoke test)', async () => {
    const c = new TickClock();
    const ticks: Tick[] = [];
    await new Promise<void>((resolve) => {
      const off = c.subscribe((k) => {
        ticks.push(k);
        if (ticks.length === 10) {
          off();
          resolve();
        }
      });
    });
    expect(c.running).toBe(false);
    const first = ticks[0] as Tick;
    const last = ticks[ticks.length - 1] as Tick;
    expect(last.deadlineNs - first.deadlineNs).toBe(BigInt(last.index - first.index) * TICK_NS);
    expect(c.stats.maxLateNs).toBeLessThan(1_000_000_000); // generous: CI machines stall
    c.close();
  });
});
