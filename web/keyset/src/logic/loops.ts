// Loop tiles as a state machine: parsing role_loops, what a click does, and which switches a socket
// still needs so that its state matches what the operator wants.
import { isJsonObject, isLoopState, type JsonObject, type LayoutPosition, type LoopState, type LoopView, type Participant } from './types.js';

export type LoopMap = Record<string, LoopView>;

function num(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

export function parseParticipants(value: unknown): Participant[] {
  if (!Array.isArray(value)) return [];
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  return value.filter(isJsonObject).map((p) => ({ client: text(p.client), user: text(p.user), role: text(p.role) }));
}

function parsePositions(value: unknown): LayoutPosition[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isJsonObject).map((p) => ({ page: num(p.page, 1), row: num(p.row, 1), column: num(p.column, 1) }));
}

/** The `role_loops` response → loop views (live fields empty). Malformed entries are skipped. */
export function parseRoleLoops(response: JsonObject): LoopMap {
  const out: LoopMap = {};
  const loops = isJsonObject(response.loops) ? response.loops : {};
  for (const [id, raw] of Object.entries(loops)) {
    if (!isJsonObject(raw)) continue;
    const view: LoopView = {
      id,
      name: typeof raw.name === 'string' && raw.name !== '' ? raw.name : id,
      permission: raw.permission === 'send' ? 'send' : 'recv',
      state: isLoopState(raw.state) ? raw.state : 'none',
      volume: Math.max(0, Math.min(100, Math.round(num(raw.volume, 50)))),
      positions: parsePositions(raw.layout_position),
      participants: [],
      talking: [],
      vad: false,
      vadTalkers: [],
    };
    if (typeof raw.abbreviation === 'string') view.abbreviation = raw.abbreviation;
    if (raw.recorded === true) view.recorded = true;
    out[id] = view;
  }
  return out;
}

/** Desired states after switching `id` to `target`: without multi-talk, other talk loops drop to monitor. */
export function planSwitch(states: Record<string, LoopState>, id: string, target: LoopState, multiTalk: boolean): Record<string, LoopState> {
  const next = { ...states, [id]: target };
  if (target === 'send' && !multiTalk) {
    for (const [other, state] of Object.entries(next)) if (other !== id && state === 'send') next[other] = 'recv';
  }
  return next;
}

export interface SwitchCommand {
  loop: string;
  state: LoopState;
}

/** Switches a socket needs so its states equal `desired`; leaving talk first so one loop talks at a time. */
export function reconcile(desired: Record<string, LoopState>, actual: Record<string, LoopState>): SwitchCommand[] {
  const out: SwitchCommand[] = [];
  for (const [loop, state] of Object.entries(desired)) {
    if ((actual[loop] ?? 'none') !== state) out.push({ loop, state });
  }
  const rank = (c: SwitchCommand) => (c.state === 'send' ? 1 : 0);
  return out.sort((a, b) => rank(a) - rank(b));
}

export function statesOf(loops: LoopMap): Record<string, LoopState> {
  return Object.fromEntries(Object.values(loops).map((l) => [l.id, l.state]));
}

export function talkLoops(loops: LoopMap): string[] {
  return Object.values(loops)
    .filter((l) => l.state === 'send')
    .map((l) => l.id);
}

/** Users shown as talking on a tile: push-to-talk holders, else the talkers voice activity reports. */
export function talkersOf(loop: LoopView): Participant[] {
  const seen = new Map<string, Participant>();
  for (const p of [...loop.talking, ...(loop.vad ? loop.vadTalkers : [])]) seen.set(p.client || `${p.user}/${p.role}`, p);
  return [...seen.values()];
}

export function stateLabel(state: LoopState): string {
  return state === 'send' ? 'Talk' : state === 'recv' ? 'Monitor' : 'Off';
}
