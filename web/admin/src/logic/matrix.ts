// The role × loop permission matrix: openvocs stores it per loop as `loop.roles[role]`
// (true = talk, false = monitor, absent = none). The console edits one cell at a time and writes the
// loop's whole `roles` object with `update_key`, so the server applies it live in one change.
import type { LoopRecord } from './model.js';

export type Permission = 'none' | 'monitor' | 'talk';

export const PERMISSIONS: readonly Permission[] = ['none', 'monitor', 'talk'];

export const PERMISSION_LABEL: Record<Permission, string> = { none: 'Off', monitor: 'Monitor', talk: 'Talk' };

export function permissionOf(loop: Pick<LoopRecord, 'roles'>, roleId: string): Permission {
  const grant = Object.hasOwn(loop.roles, roleId) ? loop.roles[roleId] : undefined;
  if (grant === true) return 'talk';
  if (grant === false) return 'monitor';
  return 'none';
}

/** The loop's new `roles` object with one role's permission replaced (the input is not changed). */
export function withPermission(roles: Readonly<Record<string, boolean>>, roleId: string, permission: Permission): Record<string, boolean> {
  const next: Record<string, boolean> = { ...roles };
  if (permission === 'none') delete next[roleId];
  else next[roleId] = permission === 'talk';
  return next;
}

/** Arrow-key navigation inside a cell's radio group: clamps at the ends (no wrap, less surprising). */
export function stepPermission(current: Permission, delta: 1 | -1): Permission {
  const index = PERMISSIONS.indexOf(current) + delta;
  return PERMISSIONS[Math.max(0, Math.min(PERMISSIONS.length - 1, index))] ?? current;
}

/** Keyboard shortcuts on a focused cell. */
export function permissionForKey(key: string): Permission | undefined {
  switch (key.toLowerCase()) {
    case 'n':
    case '0':
      return 'none';
    case 'm':
    case '1':
      return 'monitor';
    case 't':
    case '2':
      return 'talk';
    default:
      return undefined;
  }
}

/** Which loops a role may use, with its permission: what the operator's role_loops will list. */
export function loopsOfRole(loops: readonly LoopRecord[], roleId: string): Array<{ loop: LoopRecord; permission: Exclude<Permission, 'none'> }> {
  const out: Array<{ loop: LoopRecord; permission: Exclude<Permission, 'none'> }> = [];
  for (const loop of loops) {
    const permission = permissionOf(loop, roleId);
    if (permission !== 'none') out.push({ loop, permission });
  }
  return out;
}
