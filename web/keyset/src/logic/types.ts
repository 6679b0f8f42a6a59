// Wire shapes of the openvocs client protocol as the keyset uses them (docs/openvocs-protocol.md §5, §6).

export type LoopState = 'none' | 'recv' | 'send';
export type Permission = 'send' | 'recv';

export interface LayoutPosition {
  page: number;
  row: number;
  column: number;
}

export interface Participant {
  client: string;
  user: string;
  role: string;
}

/** One loop as the keyset shows it: directory data plus live state from replies and broadcasts. */
export interface LoopView {
  id: string;
  name: string;
  abbreviation?: string;
  permission: Permission;
  /** The state this operator wants (and, once acknowledged, has). */
  state: LoopState;
  volume: number;
  positions: LayoutPosition[];
  participants: Participant[];
  /** From `talking` broadcasts: who holds push-to-talk on the loop. */
  talking: Participant[];
  /** From `vad` broadcasts: voice activity and the talkers the server hears. */
  vad: boolean;
  vadTalkers: Participant[];
}

export interface Role {
  id: string;
  name: string;
}

/** Identity of this client instance, to tell its own user broadcasts from those of other clients. */
export interface Self {
  client: string;
  user: string;
  role: string;
}

export type JsonObject = { [key: string]: unknown };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isLoopState(value: unknown): value is LoopState {
  return value === 'none' || value === 'recv' || value === 'send';
}
