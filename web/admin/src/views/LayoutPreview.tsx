// The keyset as the operator of a role will see it: stored keys plus the cells the server fills in
// for loops without a key (the same rule as role_loops), with each loop's permission.
import { PermissionIcon } from '../components/icons.js';
import { cellKey, DEFAULT_GRID, effectiveLayout, type Grid, type Layout } from '../logic/layout.js';
import { PERMISSION_LABEL, type Permission } from '../logic/matrix.js';
import type { LoopRecord } from '../logic/model.js';
import { KeyGrid } from './KeyGrid.js';

interface Props {
  grid: Grid;
  page: number;
  layout: Layout;
  loops: ReadonlyArray<{ loop: LoopRecord; permission: Exclude<Permission, 'none'> }>;
}

export function LayoutPreview(props: Props) {
  // The server generates missing keys on its default 4×4 grid (src/directory/layout.ts).
  const { positions, generated } = effectiveLayout(props.loops.map((l) => l.loop.id), props.layout, DEFAULT_GRID);
  const byCell = new Map<string, { loop: LoopRecord; permission: Exclude<Permission, 'none'> }>();
  for (const entry of props.loops) for (const p of positions[entry.loop.id] ?? []) byCell.set(cellKey(p), entry);
  return (
    <div class="preview">
      <KeyGrid
        grid={props.grid}
        page={props.page}
        class="keyset"
        testid="layout-preview"
        cell={(at) => {
          const entry = byCell.get(cellKey(at));
          if (!entry) return <div class="op-key empty" key={cellKey(at)} />;
          const { loop, permission } = entry;
          return (
            <div class={`op-key perm-${permission}`} key={cellKey(at)} style={{ '--key-color': loop.color ?? '#4f8cff' }} data-testid={`preview-${loop.id}`}>
              <span class="op-abbr">{loop.abbreviation ?? loop.id}</span>
              <span class="op-name">{loop.name ?? loop.id}</span>
              <span class="op-perm">
                <PermissionIcon permission={permission} /> {PERMISSION_LABEL[permission]}
                {generated.has(loop.id) ? ' · auto' : ''}
              </span>
            </div>
          );
        }}
      />
    </div>
  );
}
