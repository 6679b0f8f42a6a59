// A table of the Operations pages and editors: inside a focusable, labelled region that scrolls sideways
// when the table is wider than the screen (a keyboard can scroll it too), with a header row of columns.
import type { ComponentChildren } from 'preact';

export function DataTable(props: { label: string; columns: readonly string[]; testid?: string; children: ComponentChildren }) {
  return (
    <div class="table-scroll" tabIndex={0} role="region" aria-label={props.label}>
      <table class="table" data-testid={props.testid}>
        <thead>
          <tr>
            {props.columns.map((c, i) => (
              <th key={i}>{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}
