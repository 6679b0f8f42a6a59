// Keyset layouts per domain (`auth/<domain>/config.json` → `layout.<name>`), as the openvocs backend keeps them.
import { ownValue } from './json-tree.js';
import type { Scope } from './model.js';
import type { DomainFile, ProjectFile } from './schema.js';

/** What the openvocs backend answers when no keyset layout is stored (seen in the wire trace). */
export const DEFAULT_KEYSET_LAYOUT = {
  font_scaling: 1,
  layout: 'auto_grid',
  loop_size: '15.625rem',
  name_scaling: 1.5,
  site_scaling: 1,
} as const;

function layouts(data: DomainFile | ProjectFile): Record<string, Record<string, unknown>> | undefined {
  const value: unknown = (data as DomainFile).layout;
  return typeof value === 'object' && value !== null ? (value as Record<string, Record<string, unknown>>) : undefined;
}

export function keysetLayout(domain: Scope, name: string): Record<string, unknown> {
  return ownValue(layouts(domain.data), name) ?? { ...DEFAULT_KEYSET_LAYOUT };
}

/** Sets the layout in a draft of the domain's data (inside `directory.change`, which validates and stores it). */
export function setKeysetLayout(draft: DomainFile | ProjectFile, name: string, layout: Record<string, unknown>): void {
  const stored = layouts(draft) ?? (Object.create(null) as Record<string, Record<string, unknown>>);
  stored[name] = layout;
  (draft as DomainFile).layout = stored;
}
