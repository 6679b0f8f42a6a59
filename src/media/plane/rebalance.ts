// Which listeners the engine pool moves onto engines on mixer hosts (pure: engine-pool.ts applies it).
// After a mixer host was lost, its listeners were replayed onto the edge's own engines (or another
// host); without this they would stay there when hosts are up again, and scale-out would be gone after
// one glitch. A pass (once a second) moves, at most MAX_MOVES_PER_PASS:
//  1. listeners on this host's engines (the fallback) to the remote engine with the fewest listeners
//     whose host has room;
//  2. then, while one remote engine has IMBALANCE more listeners than another with room, one of them over.
// Only quiet listeners move (nothing heard and no talker on their loops for QUIET_MS: no audible
// switch, no spurt cut in two), and none twice within COOLDOWN_MS. A pass never moves anyone towards
// this host's engines, and a move between remote engines needs a difference of IMBALANCE (2): after
// it the difference is still >= 0 the same way, so a listener cannot be sent back and forth.

export const REBALANCE_PASS_MS = 1000;
export const MAX_MOVES_PER_PASS = 4;
export const QUIET_MS = 500;
export const COOLDOWN_MS = 30_000;
export const IMBALANCE = 2;

export interface PlacedListener {
  id: string;
  /** Index into the engines given to planMoves. */
  engine: number;
  quiet: boolean;
  /** When a pass last moved it (undefined: never). */
  movedAt: number | undefined;
}

export interface EngineSlot {
  remote: boolean;
  listeners: number;
  /** Listeners its host may still take (remote engines; ignored for this host's). */
  room: number;
}

export interface Move {
  id: string;
  from: number;
  to: number;
}

export function planMoves(listeners: readonly PlacedListener[], engines: readonly EngineSlot[], now: number, maxMoves = MAX_MOVES_PER_PASS): Move[] {
  const slots = engines.map((e) => ({ ...e }));
  const remote = slots.map((_, i) => i).filter((i) => slots[i]!.remote);
  if (remote.length === 0) return [];
  const movable = listeners.filter((l) => l.quiet && (l.movedAt === undefined || now - l.movedAt >= COOLDOWN_MS)).sort((a, b) => (a.id < b.id ? -1 : 1));
  const moves: Move[] = [];
  const moved = new Set<string>();
  const move = (l: PlacedListener, to: number): void => {
    moves.push({ id: l.id, from: l.engine, to });
    moved.add(l.id);
    slots[l.engine]!.listeners--;
    slots[to]!.listeners++;
    slots[to]!.room--;
  };
  const leastWithRoom = (): number | undefined => {
    let best: number | undefined;
    for (const i of remote) if (slots[i]!.room > 0 && (best === undefined || slots[i]!.listeners < slots[best]!.listeners)) best = i;
    return best;
  };
  for (const l of movable) {
    if (moves.length >= maxMoves) return moves;
    if (slots[l.engine]?.remote !== false) continue;
    const to = leastWithRoom();
    if (to === undefined) return moves;
    move(l, to);
  }
  while (moves.length < maxMoves) {
    const to = leastWithRoom();
    if (to === undefined) break;
    const candidates = movable.filter((l) => !moved.has(l.id) && l.engine !== to && slots[l.engine]!.remote && slots[l.engine]!.listeners - slots[to]!.listeners >= IMBALANCE);
    // From the most loaded engine first.
    const l = candidates.sort((a, b) => slots[b.engine]!.listeners - slots[a.engine]!.listeners)[0];
    if (!l) break;
    move(l, to);
  }
  return moves;
}
