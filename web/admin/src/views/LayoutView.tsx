// Layout editor per role: pages, grid size, keys placed by drag and drop or by click (pick a loop,
// then a cell), with a preview of the operator's keyset. Saved with set_layout.
import { useEffect, useState } from 'preact/hooks';
import { cellKey, clampGrid, DEFAULT_GRID, keepLoops, normaliseLayout, occupant, outsideGrid, pageCount, placeLoop, toWire, unplaceLoop, type Grid, type Layout } from '../logic/layout.js';
import { loopsOfRole } from '../logic/matrix.js';
import { rolesForDisplay, sortedIds, type Position } from '../logic/model.js';
import { change, current, domains, record, requireApi } from '../state/app.js';
import { KeyGrid, readDrag, startDrag } from './KeyGrid.js';
import { LayoutPreview } from './LayoutPreview.js';
import { Palette } from './LayoutPalette.js';

/** The keyset grid is stored per project (domain admins: set_keyset_layout, named after the scope). */
function useKeysetGrid(): [Grid, (g: Grid) => void, string] {
  const scope = current.value;
  const domain = scope?.type === 'domain' ? scope.id : (record.value?.domain ?? '');
  const [grid, setGrid] = useState<Grid>(DEFAULT_GRID);
  useEffect(() => {
    if (!scope || domain === '') return;
    requireApi()
      .keysetLayout(domain, scope.id)
      .then((l) => setGrid({ columns: clampGrid(Number(l.grid_columns ?? DEFAULT_GRID.columns)), rows: clampGrid(Number(l.grid_rows ?? DEFAULT_GRID.rows)) }))
      .catch(() => setGrid(DEFAULT_GRID));
  }, [scope?.id, domain]);
  return [grid, setGrid, domain];
}

export function LayoutView() {
  const data = record.value;
  const roles = data ? rolesForDisplay(data.roles) : [];
  const [chosenRole, setRoleId] = useState(roles[0] ?? '');
  // The chosen role may have been deleted meanwhile: fall back to the first one.
  const roleId = roles.includes(chosenRole) ? chosenRole : (roles[0] ?? '');
  const stored = normaliseLayout(data?.roles[roleId]?.layout);
  const [layout, setLayout] = useState<Layout>(stored);
  const [page, setPage] = useState(1);
  const [extraPages, setExtraPages] = useState(0);
  const [picked, setPicked] = useState<string | null>(null);
  const [grid, setGrid, domain] = useKeysetGrid();
  const [savedGrid, setSavedGrid] = useState<Grid | null>(null);
  const storedJson = JSON.stringify(toWire(stored));
  // A different role (or a reload from the server) resets the draft.
  useEffect(() => {
    setLayout(normaliseLayout(data?.roles[roleId]?.layout));
    setPage(1);
    setExtraPages(0);
    setPicked(null);
  }, [roleId, storedJson]);
  if (!data) return null;

  const usable = loopsOfRole(sortedIds(data.loops).map((id) => data.loops[id]).filter((l) => l !== undefined), roleId);
  const allowed = new Set(usable.map((u) => u.loop.id));
  const pages = pageCount(layout, 1) + extraPages;
  const dirty = JSON.stringify(toWire(layout)) !== storedJson;
  const hidden = outsideGrid(layout, grid);
  const isDomainAdmin = domains.value.includes(domain);
  const gridDirty = savedGrid !== null && (savedGrid.columns !== grid.columns || savedGrid.rows !== grid.rows);

  const place = (loop: string, at: Position, from?: Position) => {
    setLayout((l) => placeLoop(l, loop, at, from));
    setPicked(null);
  };
  const save = async () => {
    await change(`Layout of ${roleId} saved`, async (api) => {
      await api.setLayout(roleId, toWire(keepLoops(layout, allowed)));
      if (gridDirty && isDomainAdmin && current.value) {
        const existing = await api.keysetLayout(domain, current.value.id);
        await api.setKeysetLayout(domain, current.value.id, { ...existing, grid_columns: grid.columns, grid_rows: grid.rows });
      }
    }).then(() => setSavedGrid(null), () => undefined);
  };
  const resize = (g: Grid) => {
    if (!savedGrid) setSavedGrid(grid);
    setGrid(g);
  };

  return (
    <div class="layout-page">
      <div class="card layout-card">
        <div class="card-head">
          <h2>Keyset layout</h2>
          <div class="role-pills" role="tablist" aria-label="Role">
            {roles.map((r) => (
              <button type="button" role="tab" key={r} aria-selected={r === roleId} class={r === roleId ? 'pill active' : 'pill'} data-testid={`layout-role-${r}`} onClick={() => setRoleId(r)}>
                {data.roles[r]?.name ?? r}
              </button>
            ))}
          </div>
        </div>
        <div class="layout-toolbar">
          <div class="pages">
            {/* Only tabs inside the tablist (axe aria-required-children): "+ Page" sits beside it. */}
            <div class="pages" role="tablist" aria-label="Page">
              {Array.from({ length: pages }, (_, i) => i + 1).map((p) => (
                <button type="button" role="tab" key={p} aria-selected={p === page} class={p === page ? 'tab active' : 'tab'} data-testid={`page-${p}`} onClick={() => setPage(p)}>
                  Page {p}
                </button>
              ))}
            </div>
            <button type="button" class="subtle" data-testid="add-page" onClick={() => (setExtraPages(extraPages + 1), setPage(pages + 1))}>
              + Page
            </button>
          </div>
          <label class="grid-size" title={isDomainAdmin ? 'Saved as the keyset grid of this scope' : 'Only domain administrators can store the grid size'}>
            Grid
            <input type="number" min={1} max={12} aria-label="Columns" data-testid="grid-columns" value={grid.columns} onInput={(e) => resize({ ...grid, columns: clampGrid(Number(e.currentTarget.value)) })} />×
            <input type="number" min={1} max={12} aria-label="Rows" data-testid="grid-rows" value={grid.rows} onInput={(e) => resize({ ...grid, rows: clampGrid(Number(e.currentTarget.value)) })} />
          </label>
        </div>
        <div class="layout-body">
          <Palette loops={usable} layout={layout} picked={picked} onPick={setPicked} onUnplace={(loop) => setLayout((l) => unplaceLoop(l, loop))} />
          <KeyGrid
            grid={grid}
            page={page}
            class="key-grid"
            testid="layout-grid"
            cell={(at) => {
              const loop = occupant(layout, at);
              const record = loop ? data.loops[loop] : undefined;
              return (
                <div
                  key={cellKey(at)}
                  class={`slot${loop ? ' filled' : ''}${picked ? ' armed' : ''}`}
                  data-testid={`slot-${at.page}-${at.row}-${at.column}`}
                  onDragOver={(e) => e.preventDefault()}
                  onDrop={(e) => {
                    e.preventDefault();
                    const drag = readDrag(e);
                    if (drag) place(drag.loop, at, drag.from);
                  }}
                >
                  {loop ? (
                    <div class="key" draggable style={{ '--key-color': record?.color ?? '#4f8cff' }} onDragStart={(e) => startDrag(e, { loop, from: at })} data-testid={`key-${loop}`}>
                      <span class="key-abbr">{record?.abbreviation ?? loop}</span>
                      <span class="key-name">{record?.name ?? loop}</span>
                      <button type="button" class="key-remove" aria-label={`Remove ${loop} from this key`} onClick={() => setLayout((l) => unplaceLoop(l, loop, at))}>
                        ×
                      </button>
                    </div>
                  ) : (
                    <button type="button" class="slot-button" aria-label={`Row ${at.row}, column ${at.column}${picked ? `: place ${picked}` : ''}`} disabled={!picked} onClick={() => picked && place(picked, at)}>
                      {picked ? 'Place here' : ''}
                    </button>
                  )}
                </div>
              );
            }}
          />
        </div>
        {hidden.length > 0 ? <p class="form-error">Outside the grid (not shown to operators): {hidden.join(', ')}</p> : null}
        <div class="actions">
          <button type="button" class="primary" disabled={!dirty && !gridDirty} data-testid="save-layout" onClick={() => void save()}>
            Save layout
          </button>
          <button type="button" class="subtle" disabled={!dirty} onClick={() => setLayout(stored)}>
            Revert
          </button>
          {dirty ? <span class="muted">Unsaved changes</span> : <span class="muted">Saved</span>}
          {gridDirty && !isDomainAdmin ? <span class="muted">Only domain administrators can store the grid size.</span> : null}
        </div>
      </div>
      <div class="card preview-card">
        <div class="card-head">
          <h2>Operator preview</h2>
          <span class="muted">Page {page}</span>
        </div>
        <LayoutPreview grid={grid} page={page} layout={keepLoops(layout, allowed)} loops={usable} />
        <p class="muted small">Loops without a key are placed automatically by the server (marked “auto”).</p>
      </div>
    </div>
  );
}
