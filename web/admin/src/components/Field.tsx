// A labelled form field with its error next to it (server errors naming a field land here, see errors.ts).
import type { ComponentChildren } from 'preact';

interface FieldProps {
  label: string;
  name: string;
  value: string;
  onInput: (value: string) => void;
  error?: string | undefined;
  type?: 'text' | 'password';
  placeholder?: string;
  hint?: ComponentChildren;
  disabled?: boolean;
  autoComplete?: string;
}

export function Field(props: FieldProps) {
  const id = `f-${props.name}`;
  const errorId = `${id}-error`;
  const common = {
    id,
    name: props.name,
    'data-testid': `field-${props.name}`,
    value: props.value,
    placeholder: props.placeholder,
    disabled: props.disabled,
    autoComplete: props.autoComplete ?? 'off',
    'aria-invalid': props.error ? true : undefined,
    'aria-describedby': props.error ? errorId : undefined,
    onInput: (e: Event) => props.onInput((e.currentTarget as HTMLInputElement).value),
  };
  return (
    <label class={`field${props.error ? ' invalid' : ''}`} for={id}>
      <span class="field-label">{props.label}</span>
      {props.type === 'password' ? <input type="password" {...common} /> : <input type="text" {...common} />}
      {props.error ? (
        <span class="field-error" id={errorId} role="alert" data-testid={`error-${props.name}`}>
          {props.error}
        </span>
      ) : props.hint ? (
        <span class="field-hint">{props.hint}</span>
      ) : null}
    </label>
  );
}

/** Colour picker plus its hex value (the keyset shows it on keys). */
export function ColorField(props: { label: string; name: string; value: string; onInput: (v: string) => void; error?: string | undefined }) {
  return (
    <div class={`field color-field${props.error ? ' invalid' : ''}`}>
      <span class="field-label">{props.label}</span>
      <div class="color-row">
        <input type="color" aria-label={`${props.label} picker`} value={props.value || '#4f8cff'} onInput={(e) => props.onInput(e.currentTarget.value)} />
        <input
          type="text"
          name={props.name}
          data-testid={`field-${props.name}`}
          aria-label={props.label}
          value={props.value}
          placeholder="none"
          onInput={(e) => props.onInput(e.currentTarget.value)}
        />
      </div>
      {props.error ? <span class="field-error" role="alert" data-testid={`error-${props.name}`}>{props.error}</span> : null}
    </div>
  );
}
