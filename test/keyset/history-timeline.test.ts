// Pure logic of the history page: lanes and bars, time marks, the span the player mixes, UTC fields.
import { describe, expect, it } from 'vitest';
import { clock, duration, fromUtcField, lanes, playSpan, ticks, toUtcField, type Talk } from '../../web/keyset/src/history/timeline.js';

const T0 = Date.UTC(2026, 10, 30, 6, 0, 0);
const talk = (id: number, loop: string, user: string, startS: number, endS: number): Talk => ({
  id, loop, user, role: 'flight', start: T0 + startS * 1000, end: T0 + endS * 1000, uri: `/audio/${id}.opus`, pseudonymised: false,
});

describe('history timeline', () => {
  it('puts each talk on its loop lane at its place in the range, clipped, in time order, tiny ones still visible', () => {
    const talks = [talk(2, 'loop1', 'bob', 30, 45), talk(1, 'loop1', 'alice', -10, 6), talk(3, 'loop4', 'carol', 59.9, 70), talk(4, 'loop2', 'dave', 10, 11)];
    const out = lanes(talks, ['loop4', 'loop1'], T0, T0 + 60_000);
    expect(out.map((l) => l.loop)).toEqual(['loop4', 'loop1']);
    const [l4, l1] = out;
    expect(l1!.bars.map((b) => [b.talk.id, b.left, b.width])).toEqual([
      [1, 0, 10],
      [2, 50, 25],
    ]);
    // 0.1 s at the very end: at least 0.4 % wide, never past the end.
    expect(l4!.bars[0]!.left).toBeCloseTo(99.833, 2);
    expect(l4!.bars[0]!.left + l4!.bars[0]!.width).toBeLessThanOrEqual(100);
    expect(lanes(talks, ['loop1'], T0, T0).flatMap((l) => l.bars)).toEqual([]);
  });

  it('marks round times, at most the number asked for', () => {
    const marks = ticks(T0 + 5_000, T0 + 65_000, 6);
    expect(marks.map((m) => m.label)).toEqual(['06:00:15', '06:00:30', '06:00:45', '06:01:00']);
    expect(marks[0]!.left).toBeCloseTo(16.667, 2);
    const hour = ticks(T0, T0 + 3_600_000, 6);
    expect(hour.map((m) => m.label)).toEqual(['06:00', '06:15', '06:30', '06:45', '07:00']);
    expect(ticks(T0, T0 + 30 * 86_400_000, 6).length).toBeLessThanOrEqual(6);
    expect(ticks(T0, T0)).toEqual([]);
  });

  it('mixes from the first talk to the last inside the range, with 1 s around, never beyond the range', () => {
    const talks = [talk(1, 'loop1', 'a', 10, 12), talk(2, 'loop4', 'b', 40, 41), talk(3, 'loop1', 'c', 200, 210)];
    expect(playSpan(talks, T0, T0 + 60_000)).toEqual({ from: T0 + 9_000, to: T0 + 42_000 });
    expect(playSpan(talks, T0 + 10_500, T0 + 40_500)).toEqual({ from: T0 + 10_500, to: T0 + 40_500 });
    expect(playSpan(talks, T0 + 100_000, T0 + 150_000)).toBeUndefined();
  });

  it('reads and writes the time fields as UTC and refuses incomplete ones', () => {
    expect(toUtcField(T0 + 1234)).toBe('2026-11-30T06:00:01');
    expect(fromUtcField('2026-11-30T06:00:01')).toBe(T0 + 1000);
    expect(fromUtcField('2026-11-30T06:00')).toBe(T0);
    for (const bad of ['', '2026-11-30', '2026-11-30T6:00', '2026-13-45T99:00:00', 'now']) expect(fromUtcField(bad), bad).toBeUndefined();
    expect(clock(T0 + 61_000)).toBe('06:01:01');
    expect([duration(1500), duration(125_000), duration(3_900_000)]).toEqual(['1.5 s', '2 min 5 s', '1 h 5 min']);
  });
});
