// Page buttons; pages with voice activity are marked (dot + "active" in the label).
import type { JSX } from 'preact';
import { ui } from '../app/state.js';
import type { GridPage } from '../logic/grid.js';

export function Pager({ pages, active }: { pages: readonly GridPage[]; active: ReadonlySet<number> }): JSX.Element | null {
  if (pages.length < 2) return <nav class="pager" aria-label="Pages" />;
  return (
    <nav class="pager" aria-label="Pages">
      {pages.map((p) => {
        const current = p.page === ui.page.value;
        const busy = active.has(p.page);
        return (
          <button key={p.page} class={`page-button ${current ? 'current' : ''} ${busy ? 'busy' : ''}`} aria-current={current ? 'page' : undefined} aria-label={`Page ${p.page}${busy ? ', active' : ''}`} onClick={() => (ui.page.value = p.page)}>
            {p.page}
            {busy && <span class="page-dot" aria-hidden="true" />}
          </button>
        );
      })}
    </nav>
  );
}
