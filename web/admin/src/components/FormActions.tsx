// The footer of the entity editors: the form-level error, Create/Save and Cancel.
import type { EntityKind } from './EntityList.js';

export function FormActions(props: { kind: EntityKind; isNew: boolean; busy: boolean; error: string | undefined; onCancel: () => void }) {
  return (
    <>
      {props.error ? <p class="form-error" role="alert">{props.error}</p> : null}
      <div class="actions">
        <button type="submit" class="primary" disabled={props.busy} data-testid={`save-${props.kind}`}>
          {props.isNew ? `Create ${props.kind}` : 'Save'}
        </button>
        <button type="button" class="subtle" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </>
  );
}
