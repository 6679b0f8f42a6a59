// What the server changes by itself, applied to the loop views (pure): role loops pushed after an admin change
// (`role_loops_changed`), loop states the server forced (`loop_state_forced`), the stale view of an outage, and
// the two targets of a key (listen, talk) that replace the old click cycle.
import type { LoopMap } from './loops.js';
import type { LoopState, LoopView } from './types.js';

/** The state a permission allows: talk → monitor on a monitor-only loop. */
export function clampToPermission(loop: Pick<LoopView, 'permission'>, state: LoopState): LoopState {
  return state === 'send' && loop.permission !== 'send' ? 'recv' : state;
}

/**
 * A fresh `role_loops` (pushed or after a reconnect) over the current views: new loops come with the server's
 * state, removed ones go, known ones keep the operator's state (clamped to a reduced permission), volume and
 * live indications, and take name, permission and positions from the server.
 */
export function mergeRoleLoops(current: LoopMap, fresh: LoopMap): LoopMap {
  const out: LoopMap = {};
  for (const [id, next] of Object.entries(fresh)) {
    const known = current[id];
    out[id] = known
      ? { ...known, name: next.name, abbreviation: next.abbreviation, permission: next.permission, positions: next.positions, recorded: next.recorded, state: clampToPermission(next, known.state) }
      : next;
    if (out[id].abbreviation === undefined) delete out[id].abbreviation;
    if (out[id].recorded === undefined) delete out[id].recorded;
  }
  return out;
}

/** Loops whose state the merge changed (a permission reduced) or that disappeared: what to announce. */
export function lostLoops(before: LoopMap, after: LoopMap): Array<{ id: string; name: string; state: LoopState | 'removed' }> {
  const out: Array<{ id: string; name: string; state: LoopState | 'removed' }> = [];
  for (const [id, loop] of Object.entries(before)) {
    const now = after[id];
    if (!now) out.push({ id, name: loop.name, state: 'removed' });
    else if (now.state !== loop.state) out.push({ id, name: loop.name, state: now.state });
  }
  return out;
}

/** A server-forced state: `none` for a loop that is gone from the role. */
export function applyForced(loops: LoopMap, id: string, state: LoopState): LoopMap {
  const loop = loops[id];
  if (!loop || loop.state === state) return loops;
  return { ...loops, [id]: { ...loop, state, talking: state === 'none' ? [] : loop.talking } };
}

/** During an outage nothing live is known: no talkers, no voice activity, no participants. */
export function staleLoops(loops: LoopMap): LoopMap {
  let changed = false;
  const out: LoopMap = {};
  for (const [id, l] of Object.entries(loops)) {
    const live = l.talking.length > 0 || l.vad || l.vadTalkers.length > 0 || l.participants.length > 0;
    changed ||= live;
    out[id] = live ? { ...l, talking: [], vad: false, vadTalkers: [], participants: [] } : l;
  }
  return changed ? out : loops;
}

/** The listen target: joins the loop to monitor, or leaves it (from monitor or talk). */
export function listenTarget(loop: Pick<LoopView, 'state'>): LoopState {
  return loop.state === 'none' ? 'recv' : 'none';
}

/** The talk target: selects talk (joining if needed), or back to monitor; undefined on a monitor-only loop. */
export function talkTarget(loop: Pick<LoopView, 'state' | 'permission'>): LoopState | undefined {
  if (loop.permission !== 'send') return undefined;
  return loop.state === 'send' ? 'recv' : 'send';
}

/** Talker text: display name and role name, e.g. "Alice · Flight Director". */
export function talkerLabel(p: { user: string; role: string }, names: ReadonlyMap<string, { user_name: string; role_name: string }>): string {
  const named = names.get(`${p.user}/${p.role}`);
  const user = named?.user_name || p.user;
  const role = named?.role_name || p.role;
  return role ? `${user} · ${role}` : user;
}
