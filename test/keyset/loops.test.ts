// Tile state machine, reconcile, and push handling (session redundancy) of the keyset.
import { describe, expect, it } from 'vitest';
import { parseRoleLoops, planSwitch, reconcile, statesOf, talkersOf, talkLoops } from '../../web/keyset/src/logic/loops.js';
import { applyPush, clearLive } from '../../web/keyset/src/logic/pushes.js';

const roleLoops = {
  loops: {
    loop1: { id: 'loop1', name: 'LOOP1', permission: 'send', state: 'recv', volume: 50, type: 'audio', layout_position: [{ page: 1, row: 1, column: 1 }] },
    loop3: { id: 'loop3', permission: 'recv', state: 'none', volume: 80.4, layout_position: [{ page: 1, row: 2, column: 1 }] },
    loop4: { id: 'loop4', permission: 'send', state: 'send', volume: 120 },
    broken: 'not an object',
  },
};
const self = { client: 'me', user: 'bob', role: 'ground' };

describe('role_loops parsing', () => {
  it('keeps valid loops with defaults and clamps volumes', () => {
    const loops = parseRoleLoops(roleLoops);
    expect(Object.keys(loops)).toEqual(['loop1', 'loop3', 'loop4']);
    expect(loops.loop3).toMatchObject({ name: 'loop3', permission: 'recv', state: 'none', volume: 80, positions: [{ page: 1, row: 2, column: 1 }] });
    expect(loops.loop4?.volume).toBe(100);
    expect(loops.loop4?.positions).toEqual([]);
  });
});

describe('switching', () => {
  it('allows one talk loop unless multi-talk is on', () => {
    const states = { loop1: 'send', loop2: 'recv', loop4: 'none' } as const;
    expect(planSwitch(states, 'loop4', 'send', false)).toEqual({ loop1: 'recv', loop2: 'recv', loop4: 'send' });
    expect(planSwitch(states, 'loop4', 'send', true)).toEqual({ loop1: 'send', loop2: 'recv', loop4: 'send' });
    expect(planSwitch(states, 'loop2', 'none', false)).toEqual({ loop1: 'send', loop2: 'none', loop4: 'none' });
  });
});

describe('reconcile', () => {
  it('lists only differing loops, leaving talk before entering talk', () => {
    const cmds = reconcile({ loop1: 'send', loop2: 'recv', loop3: 'none', loop4: 'none' }, { loop2: 'recv', loop4: 'send' });
    expect(cmds).toEqual([
      { loop: 'loop4', state: 'none' },
      { loop: 'loop1', state: 'send' },
    ]);
  });

  it('is empty when the socket already matches (no switch ping-pong between clients)', () => {
    expect(reconcile({ loop1: 'recv' }, { loop1: 'recv' })).toEqual([]);
  });

  it('statesOf and talkLoops read the map', () => {
    const loops = parseRoleLoops(roleLoops);
    expect(statesOf(loops)).toEqual({ loop1: 'recv', loop3: 'none', loop4: 'send' });
    expect(talkLoops(loops)).toEqual(['loop4']);
  });
});

describe('pushes', () => {
  const loops = parseRoleLoops(roleLoops);

  it('mirror a sibling client of the same user and role, once', () => {
    const p = { loop: 'loop3', state: 'recv', user: 'bob', role: 'ground', client: 'other', participants: [{ client: 'other', user: 'bob', role: 'ground' }] };
    const first = applyPush(loops, 'switch_loop_state', 'user_broadcast', p, self);
    expect(first.mirror).toEqual({ kind: 'state', loop: 'loop3', state: 'recv' });
    expect(first.loops.loop3?.state).toBe('recv');
    expect(first.loops.loop3?.participants).toHaveLength(1);
    // The same broadcast again (e.g. from a second backend): nothing left to mirror.
    expect(applyPush(first.loops, 'switch_loop_state', 'user_broadcast', p, self).mirror).toBeUndefined();
  });

  it('ignore own broadcasts, other roles and loop broadcasts for mirroring', () => {
    const base = { loop: 'loop3', state: 'recv', user: 'bob', role: 'ground' };
    expect(applyPush(loops, 'switch_loop_state', 'user_broadcast', { ...base, client: 'me' }, self).mirror).toBeUndefined();
    expect(applyPush(loops, 'switch_loop_state', 'user_broadcast', { ...base, client: 'x', role: 'flight' }, self).mirror).toBeUndefined();
    const loopCast = applyPush(loops, 'switch_loop_state', 'loop_broadcast', { ...base, client: 'x', participants: [] }, self);
    expect(loopCast.mirror).toBeUndefined();
    expect(loopCast.loops.loop3?.state).toBe('none');
  });

  it('mirror volumes, rounded and clamped', () => {
    const r = applyPush(loops, 'switch_loop_volume', 'user_broadcast', { loop: 'loop1', volume: 79.6, user: 'bob', role: 'ground', client: 'other' }, self);
    expect(r.mirror).toEqual({ kind: 'volume', loop: 'loop1', volume: 80 });
    expect(r.loops.loop1?.volume).toBe(80);
  });

  it('track talkers from talking broadcasts and voice activity', () => {
    const alice = { user: 'alice', role: 'flight', client: 'a' };
    let l = applyPush(loops, 'talking', 'loop_broadcast', { loop: 'loop1', state: true, ...alice }, self).loops;
    expect(talkersOf(l.loop1!)).toEqual([alice]);
    l = applyPush(l, 'vad', 'loop_broadcast', { loop: 'loop1', on: true, talkers: [alice, { user: 'carol', role: 'flight', client: 'c' }] }, self).loops;
    expect(talkersOf(l.loop1!).map((t) => t.user)).toEqual(['alice', 'carol']);
    l = applyPush(l, 'talking', 'loop_broadcast', { loop: 'loop1', state: false, ...alice }, self).loops;
    l = applyPush(l, 'vad', 'loop_broadcast', { loop: 'loop1', on: false }, self).loops;
    expect(talkersOf(l.loop1!)).toEqual([]);
    expect(l.loop1?.vad).toBe(false);
  });

  it('ignore unknown loops and events; clearLive drops stale indications', () => {
    expect(applyPush(loops, 'vad', 'loop_broadcast', { loop: 'nope', on: true }, self).loops).toBe(loops);
    expect(applyPush(loops, 'whatever', 'loop_broadcast', { loop: 'loop1' }, self).loops).toBe(loops);
    const live = applyPush(loops, 'vad', 'loop_broadcast', { loop: 'loop1', on: true, talkers: [] }, self).loops;
    expect(clearLive(live).loop1?.vad).toBe(false);
  });
});
