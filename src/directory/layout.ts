// Keyset layout positions. The openvocs client hides loops without `layout_position`, so every loop a
// role may use gets one: the role's stored layout first, generated row-major cells for the rest.
import type { LayoutPosition, RoleLayout } from './schema.js';

export interface GridSize {
  columns: number;
  rows: number;
}

export const DEFAULT_GRID: GridSize = { columns: 4, rows: 4 };

function cellKey(p: LayoutPosition): string {
  return `${p.page}:${p.row}:${p.column}`;
}

/** Positions for `loopIds` (in display order); pages, rows and columns count from 1. */
export function layoutPositions(
  loopIds: readonly string[],
  stored: RoleLayout | undefined,
  grid: GridSize = DEFAULT_GRID,
): Map<string, LayoutPosition[]> {
  const result = new Map<string, LayoutPosition[]>();
  const taken = new Set<string>();
  for (const id of loopIds) {
    const entry = stored && Object.hasOwn(stored, id) ? stored[id] : undefined;
    const positions = entry === undefined ? undefined : Array.isArray(entry) ? entry : [entry];
    if (positions && positions.length > 0) {
      result.set(id, positions.map((p) => ({ ...p })));
      for (const p of positions) taken.add(cellKey(p));
    }
  }
  let cell = 0;
  const perPage = grid.columns * grid.rows;
  for (const id of loopIds) {
    if (result.has(id)) continue;
    let position: LayoutPosition;
    do {
      position = {
        page: Math.floor(cell / perPage) + 1,
        row: Math.floor((cell % perPage) / grid.columns) + 1,
        column: (cell % grid.columns) + 1,
      };
      cell++;
    } while (taken.has(cellKey(position)));
    taken.add(cellKey(position));
    result.set(id, [position]);
  }
  return result;
}
