// The keyset's view types. Wire shapes come from the protocol contract (src/protocol/contract.ts), not copies.
import type { JsonObject, LayoutPosition, LoopPermission, LoopState, Participant } from '../../../../src/protocol/client/index.js';

export type { JsonObject, LayoutPosition, LoopState, Participant };
export type Permission = LoopPermission;

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
  /** The directory marks the loop as recorded (openvocs `recorded`): the tile shows REC and a replay key. */
  recorded?: boolean;
  /** An instant replay of this loop is playing in this operator's downlink. */
  replaying?: boolean;
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

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isLoopState(value: unknown): value is LoopState {
  return value === 'none' || value === 'recv' || value === 'send';
}
