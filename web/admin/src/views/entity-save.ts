// Saving the optional text keys of a user, role or loop: non-empty values are written with one
// `update`, values the admin cleared are removed with `delete_key` (an empty string would be shown
// on the operator's key as a blank label).
import type { AdminApi } from '../api/admin-api.js';
import type { MemberType } from '../logic/model.js';

export async function saveKeys(api: AdminApi, type: MemberType, id: string, before: Record<string, unknown> | undefined, values: Record<string, unknown>): Promise<void> {
  const data: Record<string, unknown> = {};
  const cleared: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    if (value === '' || value === undefined) {
      if (before && before[key] !== undefined) cleared.push(key);
    } else data[key] = value;
  }
  if (Object.keys(data).length > 0) await api.update(type, id, data);
  for (const key of cleared) await api.deleteKey(type, id, key);
}
