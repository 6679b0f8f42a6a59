// The console frame: scopes the admin administers on the left, the selected scope's pages on the right.
// On a narrow screen the navigation collapses behind a menu button (CSS decides; the button shows there only).
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { current, domains, isGlobalTab, logout, me, notice, projects, record, selectScope, tab, type GlobalTab, type Tab } from '../state/app.js';
import type { ScopeRef } from '../logic/model.js';
import { AuditView } from './AuditView.js';
import { CallsView } from './CallsView.js';
import { LdapView } from './LdapView.js';
import { LayoutView } from './LayoutView.js';
import { LiveView } from './LiveView.js';
import { LoopsView } from './LoopsView.js';
import { MatrixView } from './MatrixView.js';
import { ProjectsView } from './ProjectsView.js';
import { RecordingView } from './RecordingView.js';
import { RolesView } from './RolesView.js';
import { TransferView } from './TransferView.js';
import { UsersView } from './UsersView.js';

const SCOPE_TABS: Array<{ id: Tab; label: string; domainOnly?: boolean }> = [
  { id: 'projects', label: 'Projects', domainOnly: true },
  { id: 'users', label: 'Users' },
  { id: 'roles', label: 'Roles' },
  { id: 'loops', label: 'Loops' },
  { id: 'matrix', label: 'Permissions' },
  { id: 'layout', label: 'Layouts' },
  { id: 'transfer', label: 'Import / Export' },
];

function ScopeLink(props: { scope: ScopeRef; label: string; sub?: string; indent?: boolean; onPick: () => void }) {
  const active = current.value?.type === props.scope.type && current.value.id === props.scope.id && !isGlobalTab(tab.value);
  return (
    <button
      type="button"
      class={`nav-item${active ? ' active' : ''}${props.indent ? ' indent' : ''}`}
      data-testid={`scope-${props.scope.type}-${props.scope.id}`}
      aria-current={active ? 'page' : undefined}
      onClick={() => {
        if (isGlobalTab(tab.value)) tab.value = props.scope.type === 'domain' ? 'projects' : 'users';
        props.onPick();
        void selectScope(props.scope);
      }}
    >
      <span class="nav-kind">{props.scope.type === 'domain' ? 'Domain' : 'Project'}</span>
      <span class="nav-label">{props.label}</span>
      {props.sub ? <span class="nav-sub">{props.sub}</span> : null}
    </button>
  );
}

function Page(): ComponentChildren {
  switch (tab.value) {
    case 'live':
      return <LiveView />;
    case 'audit':
      return <AuditView />;
    case 'calls':
      return <CallsView />;
    case 'ldap':
      return <LdapView />;
    case 'recording':
      return <RecordingView />;
    case 'projects':
      return <ProjectsView />;
    case 'users':
      return <UsersView />;
    case 'roles':
      return <RolesView />;
    case 'loops':
      return <LoopsView />;
    case 'matrix':
      return <MatrixView />;
    case 'layout':
      return <LayoutView />;
    case 'transfer':
      return <TransferView />;
  }
}

function GlobalLink(props: { id: GlobalTab; label: string; onPick: () => void }) {
  const active = tab.value === props.id;
  return (
    <button
      type="button"
      class={`nav-item${active ? ' active' : ''}`}
      data-testid={`nav-${props.id}`}
      aria-current={active ? 'page' : undefined}
      onClick={() => {
        tab.value = props.id;
        props.onPick();
      }}
    >
      <span class="nav-label">{props.label}</span>
    </button>
  );
}

export function Shell() {
  const [menuOpen, setMenuOpen] = useState(false);
  const close = () => setMenuOpen(false);
  const scope = current.value;
  const global = isGlobalTab(tab.value);
  const standalone = projects.value.filter((p) => !domains.value.includes(p.domain));
  return (
    <div class="shell">
      <aside
        class={`sidebar${menuOpen ? ' open' : ''}`}
        onKeyDown={(e) => {
          if (e.key !== 'Escape' || !menuOpen) return;
          close();
          e.currentTarget.querySelector<HTMLElement>('.menu-toggle')?.focus();
        }}
      >
        <div class="sidebar-top">
          <div class="brand">
            <span class="brand-mark" aria-hidden="true">◉</span> Loopcast <span class="brand-sub">Admin</span>
          </div>
          <button type="button" class="menu-toggle" data-testid="menu-toggle" aria-expanded={menuOpen} aria-controls="admin-menu" onClick={() => setMenuOpen(!menuOpen)}>
            <span aria-hidden="true">☰</span> Menu
          </button>
        </div>
        <div class="sidebar-body" id="admin-menu">
          <nav aria-label="Scopes" data-testid="scope-list">
            {domains.value.map((d) => (
              <div key={d}>
                <ScopeLink scope={{ type: 'domain', id: d }} label={d} onPick={close} />
                {projects.value
                  .filter((p) => p.domain === d)
                  .map((p) => (
                    <ScopeLink key={p.id} scope={{ type: 'project', id: p.id }} label={p.name ?? p.id} sub={p.name ? p.id : undefined} indent onPick={close} />
                  ))}
              </div>
            ))}
            {standalone.map((p) => (
              <ScopeLink key={p.id} scope={{ type: 'project', id: p.id }} label={p.name ?? p.id} sub={p.name ? p.id : undefined} onPick={close} />
            ))}
          </nav>
          <nav aria-label="Operations">
            <div class="nav-section">Operations</div>
            <GlobalLink id="live" label="Live view" onPick={close} />
            <GlobalLink id="audit" label="Audit log" onPick={close} />
            <GlobalLink id="calls" label="Phone calls" onPick={close} />
            <GlobalLink id="ldap" label="LDAP" onPick={close} />
            <GlobalLink id="recording" label="Recording" onPick={close} />
          </nav>
          <div class="sidebar-foot">
            <span class="on-dark-muted">Signed in as</span> <strong data-testid="me">{me.value}</strong>
            <button type="button" class="subtle" onClick={() => void logout()}>
              Sign out
            </button>
          </div>
        </div>
      </aside>
      <main class="content">
        {!global && scope ? (
          <header class="page-head">
            <div>
              <div class="crumb">{scope.type === 'domain' ? 'Domain' : 'Project'}</div>
              <h1 data-testid="scope-title">{record.value?.name ?? scope.id}</h1>
              {record.value?.name ? <div class="muted mono">{scope.id}</div> : null}
            </div>
            <nav class="tabs" role="tablist" aria-label="Scope pages">
              {SCOPE_TABS.filter((t) => !t.domainOnly || scope.type === 'domain').map((t) => (
                <button type="button" role="tab" key={t.id} aria-selected={tab.value === t.id} class={tab.value === t.id ? 'tab active' : 'tab'} data-testid={`tab-${t.id}`} onClick={() => (tab.value = t.id)}>
                  {t.label}
                </button>
              ))}
            </nav>
          </header>
        ) : null}
        {notice.value ? (
          <div class={`notice ${notice.value.kind}`} role={notice.value.kind === 'error' ? 'alert' : 'status'} data-testid="notice">
            {notice.value.text}
          </div>
        ) : null}
        <section class="page">{global || record.value ? <Page /> : <p class="muted">Loading…</p>}</section>
      </main>
    </div>
  );
}
