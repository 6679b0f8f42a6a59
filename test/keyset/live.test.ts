// Pure logic of server-driven changes (web/keyset/src/logic/live.ts): merging pushed role loops, forced states,
// the stale view of an outage, and the two targets of a key.
import { describe, expect, it } from 'vitest';
import { applyForced, listenTarget, lostLoops, mergeRoleLoops, staleLoops, talkerLabel, talkTarget } from '../../web/keyset/src/logic/live.js';
import type { LoopView } from '../../web/keyset/src/logic/types.js';

const view = (id: string, patch: Partial<LoopView> = {}): LoopView => ({
  id, name: id.toUpperCase(), permission: 'send', state: 'none', volume: 50, positions: [], participants: [], talking: [], vad: false, vadTalkers: [], ...patch,
});

describe('live changes', () => {
  it('merges pushed role loops: new ones appear, removed ones go, known ones keep state and volume, clamped to a reduced permission', () => {
    const current = { a: view('a', { state: 'send', volume: 80 }), b: view('b', { state: 'recv' }) };
    const fresh = { a: view('a', { permission: 'recv', state: 'send', name: 'ALPHA' }), c: view('c', { state: 'recv' }) };
    const merged = mergeRoleLoops(current, fresh);
    expect(Object.keys(merged).sort()).toEqual(['a', 'c']);
    expect(merged.a).toMatchObject({ state: 'recv', volume: 80, permission: 'recv', name: 'ALPHA' });
    expect(merged.c?.state).toBe('recv');
    expect(lostLoops(current, merged)).toEqual([{ id: 'a', name: 'A', state: 'recv' }, { id: 'b', name: 'B', state: 'removed' }]);
  });

  it('applies a forced state and clears talkers when the loop is left', () => {
    const loops = { a: view('a', { state: 'send', talking: [{ client: 'c', user: 'u', role: 'r' }] }) };
    expect(applyForced(loops, 'a', 'recv').a?.state).toBe('recv');
    expect(applyForced(loops, 'a', 'none').a?.talking).toEqual([]);
    expect(applyForced(loops, 'zz', 'none')).toBe(loops);
  });

  it('an outage clears everything live and keeps the operator’s states', () => {
    const loops = { a: view('a', { state: 'recv', vad: true, participants: [{ client: 'c', user: 'u', role: 'r' }], talking: [{ client: 'c', user: 'u', role: 'r' }] }) };
    const stale = staleLoops(loops);
    expect(stale.a).toMatchObject({ state: 'recv', vad: false, participants: [], talking: [] });
    expect(staleLoops(stale)).toBe(stale);
  });

  it('listen and talk are separate targets, no cycle', () => {
    expect(listenTarget({ state: 'none' })).toBe('recv');
    expect(listenTarget({ state: 'recv' })).toBe('none');
    expect(listenTarget({ state: 'send' })).toBe('none');
    expect(talkTarget({ state: 'none', permission: 'send' })).toBe('send');
    expect(talkTarget({ state: 'send', permission: 'send' })).toBe('recv');
    expect(talkTarget({ state: 'recv', permission: 'recv' })).toBeUndefined();
  });

  it('labels talkers by display name and role name, ids when unknown', () => {
    const names = new Map([['alice/flight', { user_name: 'Alice', role_name: 'Flight Director' }]]);
    expect(talkerLabel({ user: 'alice', role: 'flight' }, names)).toBe('Alice · Flight Director');
    expect(talkerLabel({ user: 'bob', role: 'ground' }, names)).toBe('bob · ground');
  });
});
