// Pages of the loop grid from `layout_position` (1-based page/row/column), the pager's activity marks,
// and arrow-key movement between tiles.
import type { LoopView } from './types.js';

export interface GridCell {
  loop: string;
  row: number;
  column: number;
}

export interface GridPage {
  page: number;
  rows: number;
  columns: number;
  cells: GridCell[];
}

/** Loops without a position (the server normally supplies one) go row-major into a 4-column page after the last. */
const AUTO_COLUMNS = 4;

export function buildPages(loops: readonly LoopView[]): GridPage[] {
  const pages = new Map<number, GridPage>();
  const taken = new Set<string>();
  const pageOf = (n: number): GridPage => {
    let p = pages.get(n);
    if (!p) pages.set(n, (p = { page: n, rows: 1, columns: 1, cells: [] }));
    return p;
  };
  const place = (loop: string, page: number, row: number, column: number) => {
    const key = `${page}/${row}/${column}`;
    if (taken.has(key)) return; // two loops on one cell: first wins, as a grid cannot show both
    taken.add(key);
    const p = pageOf(page);
    p.cells.push({ loop, row, column });
    p.rows = Math.max(p.rows, row);
    p.columns = Math.max(p.columns, column);
  };
  const unplaced: string[] = [];
  for (const loop of loops) {
    const valid = loop.positions.filter((p) => p.page >= 1 && p.row >= 1 && p.column >= 1);
    if (valid.length === 0) unplaced.push(loop.id);
    for (const pos of valid) place(loop.id, Math.floor(pos.page), Math.floor(pos.row), Math.floor(pos.column));
  }
  if (unplaced.length > 0) {
    const page = Math.max(0, ...pages.keys()) + 1;
    unplaced.sort().forEach((id, i) => place(id, page, Math.floor(i / AUTO_COLUMNS) + 1, (i % AUTO_COLUMNS) + 1));
  }
  const sorted = [...pages.values()].sort((a, b) => a.page - b.page);
  for (const p of sorted) p.cells.sort((a, b) => a.row - b.row || a.column - b.column);
  return sorted;
}

/** Pages with a loop that carries voice (vad or push-to-talk), for the pager highlight. */
export function activePages(pages: readonly GridPage[], loops: Readonly<Record<string, LoopView>>): Set<number> {
  const out = new Set<number>();
  for (const p of pages) {
    if (p.cells.some((c) => {
      const l = loops[c.loop];
      return l !== undefined && (l.vad || l.talking.length > 0);
    })) out.add(p.page);
  }
  return out;
}

export type Direction = 'up' | 'down' | 'left' | 'right' | 'home' | 'end';

/** The cell focus moves to from `index` (into page.cells); the nearest cell in that direction, else stays. */
export function moveFocus(page: GridPage, index: number, direction: Direction): number {
  const from = page.cells[index];
  if (!from) return 0;
  if (direction === 'home') return 0;
  if (direction === 'end') return page.cells.length - 1;
  const steps: Record<typeof direction, readonly [number, number]> = { up: [-1, 0], down: [1, 0], left: [0, -1], right: [0, 1] };
  const [dr, dc] = steps[direction];
  let best = index;
  let bestScore = Infinity;
  page.cells.forEach((c, i) => {
    const r = c.row - from.row;
    const col = c.column - from.column;
    const along = dr !== 0 ? r * dr : col * dc;
    const across = dr !== 0 ? Math.abs(col) : Math.abs(r);
    if (along <= 0) return;
    const score = along * 10 + across;
    if (score < bestScore) {
      bestScore = score;
      best = i;
    }
  });
  return best;
}
