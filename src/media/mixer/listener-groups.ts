// Step 2 of a mixer tick: each listener of this tick's phase, what it hears (talkers and summed
// gains), grouped by mix key so that identical mixes share one encode; listeners whose mix went silent
// join their silence-tail group. A listener whose stream is silent starts (takes this phase) only with
// a frame popped at this very tick (docs/media.md "Mixing phases").
import type { EncoderSlot } from './encoder-pool.js';
import type { Talker } from './talker.js';
import type { MixerCounters } from './types.js';

export interface Listener {
  readonly id: string;
  ssrc: number | undefined;
  readonly gains: Map<string, number>;
  prevKey: string | undefined;
  /** Silence frames still to send after the mix went silent. */
  tailLeft: number;
  /** Phase of the running downlink stream; undefined while it is silent (takes a talker's phase). */
  phase: number | undefined;
  /** The encoder this listener's decoder heard last, and that encoder's generation then. */
  heardSlot: EncoderSlot | undefined;
  heardGeneration: number;
}

export interface Group {
  readonly talkers: Talker[];
  readonly weights: number[];
  readonly members: Listener[];
  readonly tail: boolean;
}

export interface GroupTick {
  /** The engine tick, and its phase. */
  tick: number;
  phase: number;
  /** Listeners with identical mixes share a group (false: every listener its own, for benchmarks). */
  share: boolean;
  tailFrames: number;
  /** Some talker popped a fresh frame at this tick: only then can a silent listener's stream start. */
  starting: boolean;
}

const TAIL = '~tail@';

/** Groups by mix key for this tick; `byLoop` holds the talkers whose latest frame is fresh. */
export function groupListeners(
  listeners: Iterable<Listener>,
  byLoop: ReadonlyMap<string, Talker[]>,
  at: GroupTick,
  counters: MixerCounters,
): Map<string, Group> {
  const groups = new Map<string, Group>();
  const talkers: Talker[] = [];
  const weights: number[] = [];
  for (const l of listeners) {
    // A silent listener is looked at on phase 0 (to count it, as with one phase) and when a stream can start.
    if (l.phase === undefined ? !at.starting && at.phase !== 0 : l.phase !== at.phase) continue;
    talkers.length = 0;
    weights.length = 0;
    for (const [loop, gain] of l.gains) {
      if (gain <= 0) continue;
      for (const talker of byLoop.get(loop) ?? []) {
        if (talker.ssrc === l.ssrc) continue;
        const k = talkers.indexOf(talker);
        if (k >= 0) weights[k] = (weights[k] as number) + gain;
        else {
          talkers.push(talker);
          weights.push(gain);
        }
      }
    }
    if (l.phase === undefined) {
      if (!talkers.some((x) => x.poppedAt === at.tick)) {
        // Counted once per frame (on phase 0) while it hears nothing, as with one phase.
        if (talkers.length === 0 && at.phase === 0) counters.silentListenerTicks++;
        continue;
      }
      l.phase = at.phase;
    }
    if (talkers.length === 0) {
      silence(l, at, groups, counters);
      continue;
    }
    l.tailLeft = 0;
    const key = mixKey(talkers, weights, at.share ? '' : l.id);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { talkers: talkers.slice(), weights: weights.slice(), members: [], tail: false }));
    g.members.push(l);
  }
  return groups;
}

/**
 * A listener who hears nothing this tick. Right after a mix it starts a tail keyed by that mix and
 * this tick (so only listeners who went silent together share it); the tail key then carries on.
 */
function silence(l: Listener, at: GroupTick, groups: Map<string, Group>, counters: MixerCounters): void {
  if (l.prevKey !== undefined && !l.prevKey.startsWith(TAIL)) l.tailLeft = at.tailFrames;
  if (l.tailLeft <= 0 || l.prevKey === undefined) {
    counters.silentListenerTicks++;
    l.prevKey = undefined;
    l.tailLeft = 0;
    l.phase = undefined; // the stream stopped: its next one takes the phase of the talker it hears
    return;
  }
  l.tailLeft--;
  const key = l.prevKey.startsWith(TAIL) ? l.prevKey : `${TAIL}${at.tick}:${l.prevKey}`;
  let g = groups.get(key);
  if (!g) groups.set(key, (g = { talkers: [], weights: [], members: [], tail: true }));
  g.members.push(l);
}

/** Canonical key of a mix: (ssrc, weight) pairs sorted by SSRC; `owner` makes it private when not sharing. */
function mixKey(talkers: Talker[], weights: number[], owner: string): string {
  const order = talkers.map((_, i) => i).sort((a, b) => (talkers[a]?.ssrc ?? 0) - (talkers[b]?.ssrc ?? 0));
  let key = owner;
  for (const i of order) key += `${talkers[i]?.ssrc}*${weights[i]};`;
  return key;
}
