// The loops a role may use, to be placed on keys: pick one (click or Enter) and then click a cell,
// or drag it onto a cell. Dropping a key back here removes it from the layout.
import type { Layout } from '../logic/layout.js';
import { PERMISSION_LABEL, type Permission } from '../logic/matrix.js';
import type { LoopRecord } from '../logic/model.js';
import { readDrag, startDrag } from './KeyGrid.js';

interface Props {
  loops: ReadonlyArray<{ loop: LoopRecord; permission: Exclude<Permission, 'none'> }>;
  layout: Layout;
  picked: string | null;
  onPick: (loop: string | null) => void;
  onUnplace: (loop: string) => void;
}

export function Palette(props: Props) {
  return (
    <div
      class="palette"
      data-testid="palette"
      onDragOver={(e) => e.preventDefault()}
      onDrop={(e) => {
        e.preventDefault();
        const drag = readDrag(e);
        if (drag?.from) props.onUnplace(drag.loop);
      }}
    >
      <div class="palette-title">Loops of this role</div>
      {props.loops.length === 0 ? <p class="muted small">This role has no loops: grant monitor or talk in Permissions first.</p> : null}
      {props.loops.map(({ loop, permission }) => {
        const at = props.layout[loop.id] ?? [];
        const picked = props.picked === loop.id;
        return (
          <button
            type="button"
            key={loop.id}
            draggable
            aria-pressed={picked}
            class={`palette-item${picked ? ' picked' : ''}${at.length > 0 ? ' placed' : ''}`}
            style={{ '--key-color': loop.color ?? '#4f8cff' }}
            data-testid={`palette-${loop.id}`}
            onDragStart={(e) => startDrag(e, { loop: loop.id })}
            onClick={() => props.onPick(picked ? null : loop.id)}
          >
            <span class="palette-name">{loop.name ?? loop.id}</span>
            <span class={`chip perm-${permission}`}>{PERMISSION_LABEL[permission]}</span>
            <span class="muted small">{at.length > 0 ? at.map((p) => `page ${p.page} · row ${p.row} · col ${p.column}`).join(', ') : 'not placed'}</span>
          </button>
        );
      })}
    </div>
  );
}
