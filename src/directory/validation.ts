// Validation of a scope's next data, before anything is written: file schema (reserved keys refused),
// record keys equal to their ids, ids unique per kind across the directory, one loop per multicast
// group:port. Pure; the write path calls it with the committed model.
import { withoutReservedKeys } from '../protocol/reserved.js';
import { nullProtoCopy } from './json-tree.js';
import { MEMBER_COLLECTIONS, type DirectoryModel, type MemberCollection, type Scope, type ScopeData, type ScopeKind } from './model.js';
import { domainFileSchema, jsonPath, projectFileSchema } from './schema.js';

/** A rejected change: the JSON path inside the scope file (also as segments) and what is wrong there. */
export class DirectoryChangeError extends Error {
  constructor(
    readonly jsonPath: string,
    readonly problem: string,
    readonly path?: (string | number)[],
  ) {
    super(`${jsonPath}: ${problem}`);
    this.name = 'DirectoryChangeError';
  }
}

/** The file schemas as loaded and as changed: a reserved key anywhere is an error, not silently dropped. */
export const scopeFileSchema = { domain: withoutReservedKeys(domainFileSchema), project: withoutReservedKeys(projectFileSchema) } as const;

/** Keys of users/roles/loops must equal the record's id (the file would be ambiguous otherwise). */
export function keyMismatch(data: ScopeData): { collection: MemberCollection; key: string } | undefined {
  for (const collection of MEMBER_COLLECTIONS) {
    const records: Record<string, { id: string }> = data[collection];
    for (const key of Object.keys(records)) if (records[key]?.id !== key) return { collection, key };
  }
  return undefined;
}

function schemaCheck(kind: ScopeKind, draft: unknown): ScopeData {
  const parsed = scopeFileSchema[kind].safeParse(draft);
  if (parsed.success) return nullProtoCopy(parsed.data);
  const issue = parsed.error.issues[0];
  const path = (issue?.path ?? []).map((key) => (typeof key === 'number' ? key : String(key)));
  throw new DirectoryChangeError(jsonPath(path), issue?.message ?? 'invalid', path);
}

/** Two loops on one group:port would mix into each other. */
function checkMulticastUnique(model: DirectoryModel, scope: Scope | undefined, next: ScopeData): void {
  const taken = new Map<string, string>();
  for (const other of model.allScopes()) {
    if (other === scope) continue;
    for (const loop of Object.values(other.data.loops)) if (loop.multicast) taken.set(`${loop.multicast.host}:${loop.multicast.port}`, loop.id);
  }
  for (const loop of Object.values(next.loops)) {
    if (!loop.multicast) continue;
    const address = `${loop.multicast.host}:${loop.multicast.port}`;
    const owner = taken.get(address);
    if (owner !== undefined && owner !== loop.id) {
      throw new DirectoryChangeError(`$.loops[${JSON.stringify(loop.id)}].multicast`, `${address} is already used by loop "${owner}"`, ['loops', loop.id, 'multicast']);
    }
    taken.set(address, loop.id);
  }
}

/** A number reaches one loop; a loop's call permissions name that loop (openvocs stores the id in each). */
function checkSipNumbers(model: DirectoryModel, scope: Scope | undefined, next: ScopeData): void {
  const taken = new Map<string, string>();
  for (const other of model.allScopes()) {
    if (other === scope) continue;
    for (const loop of Object.values(other.data.loops)) if (loop.sip?.number !== undefined) taken.set(loop.sip.number, loop.id);
  }
  for (const loop of Object.values(next.loops)) {
    const number = loop.sip?.number;
    if (number !== undefined) {
      const owner = taken.get(number);
      if (owner !== undefined && owner !== loop.id) throw new DirectoryChangeError(`$.loops[${JSON.stringify(loop.id)}].sip.number`, `${number} is already the number of loop "${owner}"`, ['loops', loop.id, 'sip', 'number']);
      taken.set(number, loop.id);
    }
    const stray = (loop.sip?.whitelist ?? []).findIndex((p) => p.loop !== loop.id);
    if (stray >= 0) throw new DirectoryChangeError(`$.loops[${JSON.stringify(loop.id)}].sip.whitelist[${stray}].loop`, `must be "${loop.id}"`, ['loops', loop.id, 'sip', 'whitelist', stray, 'loop']);
  }
}

/**
 * The validated next data of `scope` (a new scope when `scope` is undefined), as a fresh
 * null-prototype tree; throws DirectoryChangeError naming the JSON path of the first problem.
 */
export function validateScopeData(model: DirectoryModel, kind: ScopeKind, scope: Scope | undefined, draft: unknown): ScopeData {
  const next = schemaCheck(kind, draft);
  const mismatch = keyMismatch(next);
  if (mismatch) {
    const path = [mismatch.collection, mismatch.key, 'id'];
    throw new DirectoryChangeError(jsonPath(path), `must equal its key "${mismatch.key}"`, path);
  }
  const clash = model.conflict(scope ?? { kind, id: next.id, domainId: '', data: next }, next);
  if (clash) {
    throw new DirectoryChangeError(`$.${clash.collection}[${JSON.stringify(clash.id)}]`, `id already used in ${clash.owner.kind} "${clash.owner.id}"`, [clash.collection, clash.id]);
  }
  checkMulticastUnique(model, scope, next);
  checkSipNumbers(model, scope, next);
  return next;
}
