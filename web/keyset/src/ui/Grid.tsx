// The current page of loop keys, scaled to the window: every key of the page fits (an 8×6 page at 1920×1080),
// a page of few keys does not stretch them across the screen. Roving focus: arrow keys move between keys.
import type { JSX } from 'preact';
import { useRef, useState } from 'preact/hooks';
import type { Keyset } from '../app/keyset.js';
import { ui } from '../app/state.js';
import { moveFocus, type Direction, type GridPage } from '../logic/grid.js';
import { Key } from './Key.js';

const keys: Record<string, Direction> = { ArrowUp: 'up', ArrowDown: 'down', ArrowLeft: 'left', ArrowRight: 'right', Home: 'home', End: 'end' };

export function Grid({ keyset, page }: { keyset: Keyset; page: GridPage }): JSX.Element {
  const [focused, setFocused] = useState(0);
  const root = useRef<HTMLDivElement>(null);
  const onKeyDown = (e: KeyboardEvent) => {
    const target = e.target as HTMLElement;
    if (!target.classList.contains('key-listen')) return;
    const direction = keys[e.key];
    if (!direction) return;
    e.preventDefault();
    const next = moveFocus(page, focused, direction);
    setFocused(next);
    root.current?.querySelector<HTMLElement>(`.key-listen[data-index="${next}"]`)?.focus();
  };
  const loops = ui.loops.value;
  return (
    <div
      ref={root}
      class={`grid keys ${ui.stale.value ? 'stale' : ''}`}
      role="group"
      aria-label={`Loops, page ${page.page}. Arrow keys move between loops.`}
      style={{ '--columns': page.columns, '--rows': page.rows }}
      onKeyDown={onKeyDown}
    >
      {page.cells.map((cell, i) => {
        const loop = loops[cell.loop];
        if (!loop) return null;
        return (
          <div key={`${cell.loop}-${cell.row}-${cell.column}`} class="cell" style={{ gridRow: cell.row, gridColumn: cell.column }}>
            <Key keyset={keyset} loop={loop} index={i} focusable={i === Math.min(focused, page.cells.length - 1)} onFocus={() => setFocused(i)} />
          </div>
        );
      })}
    </div>
  );
}
