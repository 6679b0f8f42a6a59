// Grid pages from layout positions, pager activity, arrow-key focus movement.
import { describe, expect, it } from 'vitest';
import { activePages, buildPages, moveFocus } from '../../web/keyset/src/logic/grid.js';
import type { LayoutPosition, LoopView } from '../../web/keyset/src/logic/types.js';

function loop(id: string, positions: LayoutPosition[], live: Partial<LoopView> = {}): LoopView {
  return { id, name: id, permission: 'send', state: 'none', volume: 50, positions, participants: [], talking: [], vad: false, vadTalkers: [], ...live };
}

describe('buildPages', () => {
  it('places loops by page/row/column and sizes each page', () => {
    const pages = buildPages([loop('a', [{ page: 1, row: 1, column: 1 }]), loop('b', [{ page: 1, row: 2, column: 3 }]), loop('c', [{ page: 2, row: 1, column: 2 }])]);
    expect(pages.map((p) => [p.page, p.rows, p.columns])).toEqual([
      [1, 2, 3],
      [2, 1, 2],
    ]);
    expect(pages[0]?.cells.map((c) => c.loop)).toEqual(['a', 'b']);
  });

  it('shows a loop at every position it has; a taken cell keeps its first loop', () => {
    const pages = buildPages([loop('a', [{ page: 1, row: 1, column: 1 }, { page: 2, row: 1, column: 1 }]), loop('b', [{ page: 1, row: 1, column: 1 }])]);
    expect(pages.map((p) => p.cells.map((c) => c.loop))).toEqual([['a'], ['a']]);
  });

  it('puts loops without a position row-major on a page after the last', () => {
    const pages = buildPages([loop('z', []), loop('y', []), loop('a', [{ page: 1, row: 1, column: 1 }]), loop('x', []), loop('w', []), loop('v', [])]);
    const auto = pages[1]!;
    expect(auto.page).toBe(2);
    expect(auto.cells.map((c) => `${c.loop}@${c.row},${c.column}`)).toEqual(['v@1,1', 'w@1,2', 'x@1,3', 'y@1,4', 'z@2,1']);
  });
});

describe('activePages', () => {
  it('marks pages with voice activity or a talker', () => {
    const loops = {
      a: loop('a', [{ page: 1, row: 1, column: 1 }]),
      b: loop('b', [{ page: 2, row: 1, column: 1 }], { vad: true }),
      c: loop('c', [{ page: 3, row: 1, column: 1 }], { talking: [{ user: 'u', role: 'r', client: 'c' }] }),
    };
    expect([...activePages(buildPages(Object.values(loops)), loops)]).toEqual([2, 3]);
  });
});

describe('moveFocus', () => {
  const page = buildPages(['a', 'b', 'c', 'd', 'e'].map((id, i) => loop(id, [{ page: 1, row: Math.floor(i / 3) + 1, column: (i % 3) + 1 }])))[0]!;
  // a b c
  // d e
  it('moves to the nearest tile in the arrow direction and stays at edges', () => {
    expect(moveFocus(page, 0, 'right')).toBe(1);
    expect(moveFocus(page, 0, 'down')).toBe(3);
    expect(moveFocus(page, 2, 'down')).toBe(4); // no tile under c: nearest in the next row
    expect(moveFocus(page, 4, 'up')).toBe(1);
    expect(moveFocus(page, 0, 'left')).toBe(0);
    expect(moveFocus(page, 2, 'right')).toBe(2);
    expect(moveFocus(page, 3, 'end')).toBe(4);
    expect(moveFocus(page, 3, 'home')).toBe(0);
  });
});
