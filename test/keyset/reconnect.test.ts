// Reconnect schedule (0.5 s doubling to a 10 s cap, ±20 % jitter) and the scheduler with a fake clock.
import { describe, expect, it } from 'vitest';
import { ReconnectPolicy, Reconnector, type Timers } from '../../web/keyset/src/logic/reconnect.js';

describe('ReconnectPolicy', () => {
  it('follows the documented schedule without jitter', () => {
    const policy = new ReconnectPolicy({ random: () => 0.5 }); // 0.5 → no spread
    const delays = Array.from({ length: 8 }, () => policy.nextDelayMs());
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
    expect(policy.attempts).toBe(8);
    policy.reset();
    expect(policy.nextDelayMs()).toBe(500);
  });

  it('stays within ±20 % jitter', () => {
    expect(new ReconnectPolicy({ random: () => 0 }).nextDelayMs()).toBe(400);
    expect(new ReconnectPolicy({ random: () => 0.999999 }).nextDelayMs()).toBe(600);
    const capped = new ReconnectPolicy({ random: () => 0 });
    for (let i = 0; i < 10; i++) capped.nextDelayMs();
    expect(capped.nextDelayMs()).toBe(8000);
  });
});

function fakeTimers() {
  let now = 0;
  const queue: Array<{ at: number; fn: () => void; id: number }> = [];
  let next = 1;
  const timers: Timers = {
    now: () => now,
    setTimeout: (fn, ms) => {
      queue.push({ at: now + ms, fn, id: next });
      return next++;
    },
    clearTimeout: (h) => {
      const i = queue.findIndex((t) => t.id === h);
      if (i >= 0) queue.splice(i, 1);
    },
  };
  const advance = (ms: number) => {
    now += ms;
    for (const t of queue.filter((q) => q.at <= now)) {
      queue.splice(queue.indexOf(t), 1);
      t.fn();
    }
  };
  return { timers, advance, pending: () => queue.length };
}

describe('Reconnector', () => {
  it('attempts on schedule, once per schedule call, and resets after success', () => {
    const { timers, advance } = fakeTimers();
    let attempts = 0;
    const r = new Reconnector(new ReconnectPolicy({ random: () => 0.5 }), timers, () => attempts++);
    expect(r.schedule()).toBe(500);
    expect(r.schedule()).toBe(500); // already pending: same attempt
    expect(r.retryAt).toBe(500);
    advance(499);
    expect(attempts).toBe(0);
    advance(1);
    expect(attempts).toBe(1);
    expect(r.pending).toBe(false);
    expect(r.schedule()).toBe(1000);
    advance(1000);
    expect(attempts).toBe(2);
    r.succeeded();
    expect(r.schedule()).toBe(500);
  });

  it('cancel drops the pending attempt', () => {
    const { timers, advance, pending } = fakeTimers();
    let attempts = 0;
    const r = new Reconnector(new ReconnectPolicy(), timers, () => attempts++);
    r.schedule();
    r.cancel();
    expect(pending()).toBe(0);
    advance(20_000);
    expect(attempts).toBe(0);
    expect(r.retryAt).toBeUndefined();
  });
});
