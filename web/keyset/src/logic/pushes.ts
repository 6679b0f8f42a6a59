// Server pushes → loop views. Pure: returns the new map plus what this client must mirror when another
// client of the same user and role switched (session redundancy, docs/design.md).
import { parseParticipants, type LoopMap } from './loops.js';
import { isLoopState, type JsonObject, type LoopState, type Self } from './types.js';

export type Mirror = { kind: 'state'; loop: string; state: LoopState } | { kind: 'volume'; loop: string; volume: number };

export interface PushResult {
  loops: LoopMap;
  mirror?: Mirror;
}

function update(loops: LoopMap, id: string, patch: Partial<LoopMap[string]>): LoopMap {
  const loop = loops[id];
  return loop ? { ...loops, [id]: { ...loop, ...patch } } : loops;
}

/** Applies one push (`type` = envelope type, `parameter` = its parameter) to the loop views. */
export function applyPush(loops: LoopMap, event: string, type: string, parameter: JsonObject, self: Self): PushResult {
  const id = typeof parameter.loop === 'string' ? parameter.loop : undefined;
  if (!id || !loops[id]) return { loops };
  const fromSibling = type === 'user_broadcast' && parameter.client !== self.client && parameter.user === self.user && parameter.role === self.role;

  switch (event) {
    case 'switch_loop_state': {
      let next = 'participants' in parameter ? update(loops, id, { participants: parseParticipants(parameter.participants) }) : loops;
      if (fromSibling && isLoopState(parameter.state) && next[id]?.state !== parameter.state) {
        next = update(next, id, { state: parameter.state });
        return { loops: next, mirror: { kind: 'state', loop: id, state: parameter.state } };
      }
      return { loops: next };
    }
    case 'switch_loop_volume': {
      const volume = typeof parameter.volume === 'number' ? Math.max(0, Math.min(100, Math.round(parameter.volume))) : undefined;
      if (fromSibling && volume !== undefined && loops[id]?.volume !== volume) {
        return { loops: update(loops, id, { volume }), mirror: { kind: 'volume', loop: id, volume } };
      }
      return { loops };
    }
    case 'talking': {
      const [who] = parseParticipants([parameter]);
      if (!who) return { loops };
      const others = (loops[id]?.talking ?? []).filter((p) => p.client !== who.client);
      return { loops: update(loops, id, { talking: parameter.state === true ? [...others, who] : others }) };
    }
    case 'vad': {
      const on = parameter.on === true;
      return { loops: update(loops, id, { vad: on, vadTalkers: on ? parseParticipants(parameter.talkers) : [] }) };
    }
    default:
      return { loops };
  }
}

/** After a reconnect the server's view is fresh: drop live indications that may be stale. */
export function clearLive(loops: LoopMap): LoopMap {
  return Object.fromEntries(Object.entries(loops).map(([id, l]) => [id, { ...l, talking: [], vad: false, vadTalkers: [], participants: [] }]));
}
