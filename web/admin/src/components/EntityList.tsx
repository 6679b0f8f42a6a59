// The list half of the Users, Roles and Loops pages: a card with a "+ New" button, one table row per
// entity (the page supplies its cells), Edit / Delete actions, and the page's editor beside it.
import type { ComponentChildren } from 'preact';
import { change } from '../state/app.js';
import { ConfirmButton } from './ConfirmButton.js';

export type EntityKind = 'user' | 'role' | 'loop';

interface EntityListProps {
  kind: EntityKind;
  ids: readonly string[];
  /** Column headings before the actions column. */
  columns: readonly string[];
  /** The row's `<td>` cells for one entity. */
  cells: (id: string) => ComponentChildren;
  /** The entity being edited: an id, null for a new one, undefined for none. */
  editing: string | null | undefined;
  onEdit: (id: string | null) => void;
  /** The editor for `editing`, shown beside the list. */
  editor: ComponentChildren;
}

const TITLE: Record<EntityKind, string> = { user: 'User', role: 'Role', loop: 'Loop' };

export function EntityList(props: EntityListProps) {
  const { kind } = props;
  const title = TITLE[kind];
  return (
    <div class="split">
      <div class="card list-card">
        <div class="card-head">
          <h2>{title}s</h2>
          <button type="button" class="primary" data-testid={`new-${kind}`} onClick={() => props.onEdit(null)}>
            + New {kind}
          </button>
        </div>
        <table class="table" data-testid={`${kind}s-table`}>
          <thead>
            <tr>
              {props.columns.map((c) => (
                <th key={c}>{c}</th>
              ))}
              <th />
            </tr>
          </thead>
          <tbody>
            {props.ids.map((id) => (
              <tr key={id} data-testid={`${kind}-row-${id}`} class={props.editing === id ? 'selected' : ''}>
                {props.cells(id)}
                <td class="row-actions">
                  <button type="button" class="subtle" data-testid={`edit-${kind}-${id}`} onClick={() => props.onEdit(id)}>
                    Edit
                  </button>
                  <ConfirmButton
                    label="Delete"
                    confirm={`Delete ${id}?`}
                    testid={`delete-${kind}-${id}`}
                    onConfirm={() => void change(`${title} ${id} deleted`, (api) => api.remove(kind, id)).catch(() => undefined)}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {props.ids.length === 0 ? <p class="empty">No {kind}s yet.</p> : null}
      </div>
      {props.editing !== undefined ? props.editor : null}
    </div>
  );
}
