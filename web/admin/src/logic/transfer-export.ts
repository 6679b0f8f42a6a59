// Export of a project or domain as JSON: the scope's `get` record (the server already strips password
// objects; this strips them again so an export can never carry a secret), wrapped with its kind.
import type { ScopeRecord, ScopeType } from './model.js';

export const EXPORT_FORMAT = 'loopcast-admin-export';
export const EXPORT_VERSION = 1;

export interface ExportDocument {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  type: ScopeType;
  id: string;
  exportedAt: string;
  data: ScopeRecord;
  /** Domain exports carry the domain's projects the admin can read. */
  projects?: ScopeRecord[];
}

/** Deep copy without any `password` key. */
export function withoutSecrets<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => withoutSecrets(v)) as T;
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) if (key !== 'password') out[key] = withoutSecrets(inner);
  return out as T;
}

export function exportDocument(type: ScopeType, data: ScopeRecord, projects?: ScopeRecord[], now = new Date()): ExportDocument {
  const doc: ExportDocument = { format: EXPORT_FORMAT, version: EXPORT_VERSION, type, id: data.id, exportedAt: now.toISOString(), data: withoutSecrets(data) };
  if (projects) doc.projects = projects.map((p) => withoutSecrets(p));
  return doc;
}

export function exportFileName(doc: ExportDocument): string {
  return `loopcast-${doc.type}-${doc.id.replace(/[^A-Za-z0-9._-]+/g, '_')}.json`;
}
