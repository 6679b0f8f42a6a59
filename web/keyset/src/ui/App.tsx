// Top-level view by phase: login, role choice, connecting, or the keyset (header, grid, pager, PTT).
import type { JSX } from 'preact';
import { useEffect } from 'preact/hooks';
import type { Keyset } from '../app/keyset.js';
import { ui } from '../app/state.js';
import { activePages, buildPages } from '../logic/grid.js';
import { Grid } from './Grid.js';
import { Header } from './Header.js';
import { Icon } from './icons.js';
import { Login } from './Login.js';
import { Pager } from './Pager.js';
import { PttButton } from './PttButton.js';
import { RolePicker } from './RolePicker.js';
import { Settings } from './Settings.js';
import { StatusPill } from './Status.js';

function KeysetView({ keyset }: { keyset: Keyset }): JSX.Element {
  const loops = ui.loops.value;
  const pages = buildPages(Object.values(loops));
  const page = pages.find((p) => p.page === ui.page.value) ?? pages[0];
  return (
    <div class="keyset">
      <Header keyset={keyset} />
      <main class="stage">
        <Outage />
        {page ? <Grid keyset={keyset} page={page} /> : <p class="muted empty">No loops for this role.</p>}
        <Settings keyset={keyset} />
      </main>
      <footer class="bottombar">
        <Pager pages={pages} active={activePages(pages, loops)} />
        <Legend />
        {ui.notice.value && (
          <p class="notice" role="alert" onClick={() => (ui.notice.value = '')}>
            {ui.notice.value}
          </p>
        )}
        <PttButton keyset={keyset} />
      </footer>
    </div>
  );
}

/** How tiles read, for new operators: the states and what a click does. */
function Legend(): JSX.Element {
  return (
    <p class="legend muted" aria-hidden="true">
      <span class="legend-item"><Icon name="off" size={15} /> Off</span>
      <span class="legend-item monitor"><Icon name="headphones" size={15} /> Monitor</span>
      <span class="legend-item talk"><Icon name="mic" size={15} /> Talk</span>
      <span>Listen and Talk on each key · hold Talk to talk on that loop only</span>
    </p>
  );
}

/** No backend is up: what the operator sees instead of a live grid (the pill counts down to the next try). */
function Outage(): JSX.Element | null {
  if (!ui.stale.value) return null;
  return (
    <p class="outage" role="alert">
      Connection lost — nothing shown is live. <StatusPill />
    </p>
  );
}

function Connecting({ keyset }: { keyset: Keyset }): JSX.Element {
  return (
    <main class="center-page">
      <section class="card connecting" aria-busy="true">
        <div class="spinner" aria-hidden="true" />
        <h1>Connecting{ui.user.value ? ` as ${ui.user.value}` : ''}…</h1>
        <StatusPill />
        <button class="ghost" onClick={() => void keyset.logout()}>
          Log out
        </button>
      </section>
    </main>
  );
}

export function App({ keyset }: { keyset: Keyset }): JSX.Element | null {
  const theme = ui.settings.value.theme;
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    document.querySelector('meta[name="theme-color"]')?.setAttribute('content', theme === 'dark' ? '#0d1117' : '#f4f6fa');
  }, [theme]);
  switch (ui.phase.value) {
    case 'boot':
      return null;
    case 'login':
      return <Login keyset={keyset} />;
    case 'role':
      return <RolePicker keyset={keyset} />;
    case 'connecting':
      return <Connecting keyset={keyset} />;
    case 'keyset':
      return <KeysetView keyset={keyset} />;
  }
}
