// Keyset layout editing (role.layout: loop id → [{page, row, column}], all counting from 1).
// Pure functions over an immutable map so the editor can preview, undo and diff cheaply.
import type { Position, RoleLayout } from './model.js';

export interface Grid {
  columns: number;
  rows: number;
}

/** What Loopcast's role_loops uses when a project stores no keyset grid (src/directory/layout.ts). */
export const DEFAULT_GRID: Grid = { columns: 4, rows: 4 };
export const GRID_LIMITS = { min: 1, max: 12 } as const;

export type Layout = Readonly<Record<string, readonly Position[]>>;

export function cellKey(p: Position): string {
  return `${p.page}:${p.row}:${p.column}`;
}

export function samePosition(a: Position, b: Position): boolean {
  return a.page === b.page && a.row === b.row && a.column === b.column;
}

/** The stored layout with every entry as an array (the wire also accepts a single object). */
export function normaliseLayout(stored: RoleLayout | undefined): Layout {
  const out: Record<string, Position[]> = {};
  for (const [id, entry] of Object.entries(stored ?? {})) {
    const list = Array.isArray(entry) ? entry : [entry];
    if (list.length > 0) out[id] = list.map((p) => ({ page: p.page, row: p.row, column: p.column }));
  }
  return out;
}

export function occupant(layout: Layout, at: Position): string | undefined {
  for (const [id, positions] of Object.entries(layout)) if (positions.some((p) => samePosition(p, at))) return id;
  return undefined;
}

function without(layout: Layout, loopId: string, at: Position): Record<string, Position[]> {
  const out: Record<string, Position[]> = {};
  for (const [id, positions] of Object.entries(layout)) {
    const kept = id === loopId ? positions.filter((p) => !samePosition(p, at)) : [...positions];
    if (kept.length > 0) out[id] = kept;
  }
  return out;
}

/**
 * Put a loop on a key. Dragging a placed key (`from`) moves it and swaps with whatever sits on the
 * target, so a drop never silently loses a loop; placing from the palette moves the loop there
 * (one key per loop) and sends a displaced loop back to the palette.
 */
export function placeLoop(layout: Layout, loopId: string, target: Position, from?: Position): Layout {
  const other = occupant(layout, target);
  if (other === loopId && (!from || samePosition(from, target))) return layout;
  let next: Record<string, Position[]> = other ? without(layout, other, target) : Object.fromEntries(Object.entries(layout).map(([id, ps]) => [id, [...ps]]));
  if (from) {
    next = without(next, loopId, from);
    if (other && other !== loopId) next[other] = [...(next[other] ?? []), { ...from }];
    next[loopId] = [...(next[loopId] ?? []), { ...target }];
  } else {
    next[loopId] = [{ ...target }];
  }
  return next;
}

/** Remove a loop from one key, or from all keys when `at` is omitted. */
export function unplaceLoop(layout: Layout, loopId: string, at?: Position): Layout {
  if (at) return without(layout, loopId, at);
  const { [loopId]: _removed, ...rest } = layout;
  return rest;
}

/** Pages the editor shows: every page used, at least `minimum`. */
export function pageCount(layout: Layout, minimum = 1): number {
  let pages = minimum;
  for (const positions of Object.values(layout)) for (const p of positions) pages = Math.max(pages, p.page);
  return pages;
}

/** Keys that fall outside the grid (after shrinking it): the operator's keyset would not show them. */
export function outsideGrid(layout: Layout, grid: Grid): string[] {
  return Object.entries(layout)
    .filter(([, positions]) => positions.some((p) => p.row > grid.rows || p.column > grid.columns || p.row < 1 || p.column < 1))
    .map(([id]) => id);
}

/** Remove loops the role can no longer use (their keys would be hidden anyway). */
export function keepLoops(layout: Layout, allowed: ReadonlySet<string>): Layout {
  return Object.fromEntries(Object.entries(layout).filter(([id]) => allowed.has(id)));
}

/** The `set_layout` payload. */
export function toWire(layout: Layout): Record<string, Position[]> {
  const out: Record<string, Position[]> = {};
  for (const [id, positions] of Object.entries(layout)) if (positions.length > 0) out[id] = positions.map((p) => ({ ...p }));
  return out;
}

/**
 * What the operator will see: stored keys first, then loops without a key get free cells row-major
 * from page 1 — the same rule as the server's role_loops, so the preview matches the keyset.
 */
export function effectiveLayout(loopIds: readonly string[], layout: Layout, grid: Grid = DEFAULT_GRID): { positions: Layout; generated: Set<string> } {
  const positions: Record<string, Position[]> = {};
  const taken = new Set<string>();
  for (const id of loopIds) {
    const stored = layout[id];
    if (stored && stored.length > 0) {
      positions[id] = stored.map((p) => ({ ...p }));
      for (const p of stored) taken.add(cellKey(p));
    }
  }
  const generated = new Set<string>();
  const perPage = grid.columns * grid.rows;
  let cell = 0;
  for (const id of loopIds) {
    if (positions[id]) continue;
    let p: Position;
    do {
      p = { page: Math.floor(cell / perPage) + 1, row: Math.floor((cell % perPage) / grid.columns) + 1, column: (cell % grid.columns) + 1 };
      cell++;
    } while (taken.has(cellKey(p)));
    taken.add(cellKey(p));
    positions[id] = [p];
    generated.add(id);
  }
  return { positions, generated };
}

export function clampGrid(value: number): number {
  if (!Number.isFinite(value)) return GRID_LIMITS.min;
  return Math.max(GRID_LIMITS.min, Math.min(GRID_LIMITS.max, Math.round(value)));
}
