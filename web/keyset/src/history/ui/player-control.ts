// What the timeline and the list ask of the player: jump to a wall-clock time of the mix.
import { signal } from '@preact/signals';

export interface PlayerControl {
  /** Plays the mix from wall-clock `ms` (when the mix covers it). */
  seek(ms: number): void;
}

/** The wall-clock ms the player is at (for the timeline's playhead); undefined without a mix. */
export const playhead = signal<number | undefined>(undefined);
