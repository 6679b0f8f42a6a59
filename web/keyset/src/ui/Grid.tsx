// The current page of loop tiles, with roving focus: arrow keys move between tiles, Delete switches off.
import type { JSX } from 'preact';
import { useRef, useState } from 'preact/hooks';
import type { Keyset } from '../app/keyset.js';
import { ui } from '../app/state.js';
import { moveFocus, type Direction, type GridPage } from '../logic/grid.js';
import { Tile } from './Tile.js';

const keys: Record<string, Direction> = { ArrowUp: 'up', ArrowDown: 'down', ArrowLeft: 'left', ArrowRight: 'right', Home: 'home', End: 'end' };

export function Grid({ keyset, page }: { keyset: Keyset; page: GridPage }): JSX.Element {
  const [focused, setFocused] = useState(0);
  const root = useRef<HTMLDivElement>(null);
  const onKeyDown = (e: KeyboardEvent) => {
    const target = e.target as HTMLElement;
    if (!target.classList.contains('tile-main')) return;
    const direction = keys[e.key];
    if (direction) {
      e.preventDefault();
      const next = moveFocus(page, focused, direction);
      setFocused(next);
      root.current?.querySelector<HTMLElement>(`.tile-main[data-index="${next}"]`)?.focus();
    } else if (e.key === 'Delete' || e.key === 'Backspace') {
      const cell = page.cells[focused];
      if (cell) keyset.loops.switchTo(cell.loop, 'none');
    }
  };
  const loops = ui.loops.value;
  return (
    <div
      ref={root}
      class="grid"
      role="group"
      aria-label={`Loops, page ${page.page}. Arrow keys move between loops, Delete switches a loop off.`}
      style={{ gridTemplateColumns: `repeat(${page.columns}, minmax(0, 1fr))`, gridTemplateRows: `repeat(${page.rows}, minmax(10.5rem, 15rem))` }}
      onKeyDown={onKeyDown}
    >
      {page.cells.map((cell, i) => {
        const loop = loops[cell.loop];
        if (!loop) return null;
        return (
          <div key={`${cell.loop}-${cell.row}-${cell.column}`} class="cell" style={{ gridRow: cell.row, gridColumn: cell.column }}>
            <Tile
              loop={loop}
              index={i}
              focusable={i === Math.min(focused, page.cells.length - 1)}
              onFocus={() => setFocused(i)}
              onToggle={() => keyset.loops.toggle(loop.id)}
              onOff={() => keyset.loops.switchTo(loop.id, 'none')}
              onVolume={(v) => keyset.loops.setVolume(loop.id, v)}
              onReplay={() => keyset.loops.replay(loop.id)}
            />
          </div>
        );
      })}
    </div>
  );
}
