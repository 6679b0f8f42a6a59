// Pure permission rules of the directory model (docs/openvocs-protocol.md §5, §7).
import type { LoopRecord, RoleRecord } from './schema.js';

/** What a role may do on a loop: `loop.roles[role]` true = talk, false = monitor, absent = nothing. */
export type LoopPermission = 'none' | 'recv' | 'send';
export type LoopState = 'none' | 'recv' | 'send';

export const ADMIN_ROLE = 'admin';

export function loopPermission(loop: LoopRecord, roleId: string): LoopPermission {
  const grant = Object.hasOwn(loop.roles, roleId) ? loop.roles[roleId] : undefined;
  if (grant === true) return 'send';
  if (grant === false) return 'recv';
  return 'none';
}

/** `none` is always allowed; `recv` needs recv or send; `send` needs send. */
export function mayEnterState(permission: LoopPermission, state: LoopState): boolean {
  if (state === 'none') return true;
  if (state === 'recv') return permission !== 'none';
  return permission === 'send';
}

export function isRoleMember(role: RoleRecord, userId: string): boolean {
  return Object.hasOwn(role.users, userId);
}

/** The state a socket may keep after its permission changed: talk degrades to monitor, then off. */
export function clampState(permission: LoopPermission, state: LoopState): LoopState {
  if (mayEnterState(permission, state)) return state;
  return permission === 'recv' ? 'recv' : 'none';
}
