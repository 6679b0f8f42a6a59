// Which listeners a rebalancing pass moves onto engines on mixer hosts (src/media/plane/rebalance.ts).
import { describe, expect, it } from 'vitest';
import { COOLDOWN_MS, MAX_MOVES_PER_PASS, planMoves, type EngineSlot, type PlacedListener } from '../../src/media/plane/rebalance.js';

const local = (listeners: number): EngineSlot => ({ remote: false, listeners, room: 0 });
const remote = (listeners: number, room = 100): EngineSlot => ({ remote: true, listeners, room });
const on = (engine: number, ids: string[], quiet = true, movedAt?: number): PlacedListener[] => ids.map((id) => ({ id, engine, quiet, movedAt }));

describe('planMoves', () => {
  it('moves nothing without an engine on a mixer host', () => {
    expect(planMoves(on(0, ['a', 'b']), [local(2)], 0)).toEqual([]);
  });

  it('moves quiet listeners from this host to the least loaded remote engines, the talking-heard ones stay', () => {
    const listeners = [...on(0, ['a', 'b', 'c']), ...on(0, ['talk'], false), ...on(1, ['r1'])];
    const moves = planMoves(listeners, [local(4), remote(1), remote(0)], 0);
    expect(moves).toEqual([
      { id: 'a', from: 0, to: 2 },
      { id: 'b', from: 0, to: 1 },
      { id: 'c', from: 0, to: 2 },
    ]);
  });

  it('at most MAX_MOVES_PER_PASS a pass, and no more than a host has room for', () => {
    const many = on(0, Array.from({ length: 10 }, (_, i) => `l${i}`));
    expect(planMoves(many, [local(10), remote(0)], 0)).toHaveLength(MAX_MOVES_PER_PASS);
    expect(planMoves(many, [local(10), remote(0, 2)], 0)).toHaveLength(2);
    expect(planMoves(many, [local(10), remote(0, 0)], 0)).toEqual([]);
  });

  it('evens out remote engines only from a difference of 2, and never moves a listener twice within the cooldown', () => {
    expect(planMoves([...on(1, ['a', 'b'])], [local(0), remote(2), remote(1)], 0)).toEqual([]);
    const uneven = [...on(1, ['a', 'b', 'c', 'd'])];
    const moves = planMoves(uneven, [local(0), remote(4), remote(0)], 0);
    expect(moves).toEqual([
      { id: 'a', from: 1, to: 2 },
      { id: 'b', from: 1, to: 2 },
    ]);
    // After the moves the engines are even: the next pass moves nothing (no back and forth).
    const after = [...on(1, ['c', 'd']), ...on(2, ['a', 'b'], true, 0)];
    expect(planMoves(after, [local(0), remote(2), remote(2)], 1000)).toEqual([]);
    // A listener moved recently is left alone even if the engines are uneven again.
    const recent = [...on(2, ['a', 'b'], true, 0)];
    expect(planMoves(recent, [local(0), remote(0), remote(2)], COOLDOWN_MS - 1)).toEqual([]);
    expect(planMoves(recent, [local(0), remote(0), remote(2)], COOLDOWN_MS)).toEqual([{ id: 'a', from: 2, to: 1 }]);
  });

  it('never moves towards this host\'s engines', () => {
    const moves = planMoves([...on(1, ['a', 'b', 'c'])], [local(0), remote(3, 0)], 0);
    expect(moves).toEqual([]);
  });
});
