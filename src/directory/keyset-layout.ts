// Keyset layouts per domain (`auth/<domain>/config.json` → `layout.<name>`), as the openvocs backend keeps them.
import type { Scope } from './directory.js';

/** What the openvocs backend answers when no keyset layout is stored (seen in the wire trace). */
export const DEFAULT_KEYSET_LAYOUT = {
  font_scaling: 1,
  layout: 'auto_grid',
  loop_size: '15.625rem',
  name_scaling: 1.5,
  site_scaling: 1,
} as const;

function layouts(domain: Scope): Record<string, Record<string, unknown>> | undefined {
  const value: unknown = domain.data.layout;
  return typeof value === 'object' && value !== null ? (value as Record<string, Record<string, unknown>>) : undefined;
}

export function keysetLayout(domain: Scope, name: string): Record<string, unknown> {
  const stored = layouts(domain);
  const layout = stored && Object.hasOwn(stored, name) ? stored[name] : undefined;
  return layout ?? { ...DEFAULT_KEYSET_LAYOUT };
}

/** Sets the layout in memory; the caller commits the domain scope. */
export function setKeysetLayout(domain: Scope, name: string, layout: Record<string, unknown>): void {
  const stored = layouts(domain) ?? {};
  stored[name] = layout;
  domain.data.layout = stored;
}
