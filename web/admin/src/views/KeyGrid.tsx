// One page of keys as a grid: the editable grid (drop targets) and the operator preview share it.
import type { ComponentChildren } from 'preact';
import type { Grid } from '../logic/layout.js';
import type { Position } from '../logic/model.js';

export interface DragPayload {
  loop: string;
  from?: Position;
}

export const DRAG_TYPE = 'application/x-loopcast-key';

export function readDrag(e: DragEvent): DragPayload | undefined {
  const raw = e.dataTransfer?.getData(DRAG_TYPE) ?? '';
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw) as DragPayload;
  } catch {
    return undefined;
  }
}

export function startDrag(e: DragEvent, payload: DragPayload): void {
  e.dataTransfer?.setData(DRAG_TYPE, JSON.stringify(payload));
  e.dataTransfer?.setData('text/plain', payload.loop);
  if (e.dataTransfer) e.dataTransfer.effectAllowed = 'move';
}

export function KeyGrid(props: { grid: Grid; page: number; class: string; testid: string; cell: (at: Position) => ComponentChildren }) {
  const cells: ComponentChildren[] = [];
  for (let row = 1; row <= props.grid.rows; row++) {
    for (let column = 1; column <= props.grid.columns; column++) cells.push(props.cell({ page: props.page, row, column }));
  }
  return (
    <div class={props.class} data-testid={props.testid} style={{ gridTemplateColumns: `repeat(${props.grid.columns}, minmax(0, 1fr))` }}>
      {cells}
    </div>
  );
}
