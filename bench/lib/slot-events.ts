// What a talker slot's process tells every listener of the load generator (all shards, itself
// included): a burst is coming (announced frames ahead, so that listeners in other processes watch
// before the tone can reach them), when it really started, and that a slot changed hands.
// Times are monotonic ms (clock.ts).

export type SlotEvent =
  | {
      type: 'burst';
      key: string;
      slot: number;
      loop: string;
      frequency: number;
      /** Operator index of the slot's holder, and when it took the slot. */
      holder: number;
      startedAt: number;
      /** Spot-check listeners that must not hear it on this burst (every n-th burst only: cost). */
      spot: boolean;
      /** When the announcement was made (before the onset). */
      announcedAt: number;
    }
  | { type: 'onset'; key: string; at: number }
  | { type: 'released'; slot: number };
