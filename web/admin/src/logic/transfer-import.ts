// Import of an exported project or domain: validate the whole document first (nothing is sent when
// anything is wrong), then turn it into the admin API requests that create and update the entities.
import { ADMIN_ROLE, type ScopeRecord, type ScopeRef } from './model.js';
import { conflictingLoop, parseMulticast, type KnownLoop } from './multicast.js';
import { idProblem } from './validation.js';
import { EXPORT_FORMAT, type ExportDocument } from './transfer-export.js';

export interface AdminRequest {
  event: string;
  parameter: Record<string, unknown>;
}

export interface ImportContext {
  /** The scope the document's entities go into (a project may not exist yet). */
  target: ScopeRef;
  /** The target's current record, when it exists. */
  existing: ScopeRecord | undefined;
  /** The domain a new project is created in. */
  domain: string;
  /** Loops elsewhere in the directory (other scopes), for multicast conflicts. */
  otherLoops: readonly KnownLoop[];
  /** Ids already used in another scope (ids are unique per kind across the directory). */
  takenElsewhere: (kind: 'user' | 'role' | 'loop', id: string) => boolean;
}

export interface ImportPlan {
  errors: string[];
  warnings: string[];
  requests: AdminRequest[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parse and shape-check an uploaded file. */
export function readExport(text: string): { doc?: ExportDocument; errors: string[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { errors: [`not JSON: ${(err as Error).message}`] };
  }
  if (!isObject(raw)) return { errors: ['$: expected an object'] };
  const errors: string[] = [];
  if (raw.format !== EXPORT_FORMAT) errors.push(`$.format: expected "${EXPORT_FORMAT}"`);
  if (raw.type !== 'project' && raw.type !== 'domain') errors.push('$.type: expected "project" or "domain"');
  if (!isObject(raw.data)) errors.push('$.data: expected an object');
  if (raw.projects !== undefined && !Array.isArray(raw.projects)) errors.push('$.projects: expected an array');
  return errors.length > 0 ? { errors } : { doc: raw as unknown as ExportDocument, errors };
}

function checkCollections(data: Record<string, unknown>, at: string, errors: string[]): void {
  for (const key of ['users', 'roles', 'loops'] as const) {
    const coll = data[key];
    if (coll === undefined) continue;
    if (!isObject(coll)) {
      errors.push(`${at}.${key}: expected an object`);
      continue;
    }
    for (const [id, entry] of Object.entries(coll)) {
      const problem = idProblem(id);
      if (problem) errors.push(`${at}.${key}[${JSON.stringify(id)}]: id ${problem}`);
      if (!isObject(entry)) errors.push(`${at}.${key}[${JSON.stringify(id)}]: expected an object`);
      else if (entry.id !== undefined && entry.id !== id) errors.push(`${at}.${key}[${JSON.stringify(id)}].id: must equal its key`);
    }
  }
}

/** Validate one scope record of the document against the target; errors carry JSON paths. */
function validateScope(data: ScopeRecord, at: string, ctx: ImportContext, errors: string[]): void {
  checkCollections(data, at, errors);
  if (errors.length > 0) return;
  const users = { ...(ctx.existing?.users ?? {}), ...(data.users ?? {}) };
  const roles = { ...(ctx.existing?.roles ?? {}), ...(data.roles ?? {}) };
  const loops = { ...(ctx.existing?.loops ?? {}), ...(data.loops ?? {}) };
  const mine = (kind: 'users' | 'roles' | 'loops', id: string) => ctx.existing !== undefined && Object.hasOwn(ctx.existing[kind], id);
  for (const id of Object.keys(data.users ?? {})) if (!mine('users', id) && ctx.takenElsewhere('user', id)) errors.push(`${at}.users[${JSON.stringify(id)}]: user id already used in another scope`);
  for (const [id, role] of Object.entries(data.roles ?? {})) {
    if (id !== ADMIN_ROLE && !mine('roles', id) && ctx.takenElsewhere('role', id)) errors.push(`${at}.roles[${JSON.stringify(id)}]: role id already used in another scope`);
    for (const user of Object.keys(role.users ?? {})) if (!Object.hasOwn(users, user)) errors.push(`${at}.roles[${JSON.stringify(id)}].users: unknown user ${user}`);
    for (const [loop, positions] of Object.entries(role.layout ?? {})) {
      if (!Object.hasOwn(loops, loop)) errors.push(`${at}.roles[${JSON.stringify(id)}].layout: unknown loop ${loop}`);
      const list = Array.isArray(positions) ? positions : [positions];
      if (list.some((p) => ![p.page, p.row, p.column].every((n) => Number.isInteger(n) && n >= 1))) errors.push(`${at}.roles[${JSON.stringify(id)}].layout.${loop}: page, row and column must be whole numbers ≥ 1`);
    }
  }
  const seen: KnownLoop[] = [...ctx.otherLoops];
  for (const [id, loop] of Object.entries(data.loops ?? {})) {
    const path = `${at}.loops[${JSON.stringify(id)}]`;
    if (!mine('loops', id) && ctx.takenElsewhere('loop', id)) errors.push(`${path}: loop id already used in another scope`);
    for (const [role, grant] of Object.entries(loop.roles ?? {})) {
      if (typeof grant !== 'boolean') errors.push(`${path}.roles.${role}: expected true (talk) or false (monitor)`);
      if (!Object.hasOwn(roles, role)) errors.push(`${path}.roles: unknown role ${role}`);
    }
    if (loop.multicast !== undefined) {
      const parsed = parseMulticast(`${String(loop.multicast.host)}:${String(loop.multicast.port)}`);
      if (!parsed.ok) errors.push(`${path}.multicast: ${parsed.problem}`);
      else if (parsed.value) {
        const other = conflictingLoop(parsed.value, seen, id);
        if (other) errors.push(`${path}.multicast: ${parsed.value.host}:${parsed.value.port} is already used by loop ${other}`);
        seen.push({ id, multicast: parsed.value });
      }
    }
  }
}

const dataOf = (record: Record<string, unknown>, drop: readonly string[]) => Object.fromEntries(Object.entries(record).filter(([k]) => !drop.includes(k)));

/** The requests that make the target look like `data` (entities not in the document are kept). */
function requestsFor(data: ScopeRecord, ctx: ImportContext, warnings: string[]): AdminRequest[] {
  const { target } = ctx;
  const out: AdminRequest[] = [];
  if (!ctx.existing && target.type === 'project') out.push({ event: 'create', parameter: { type: 'project', id: target.id, scope: { type: 'domain', id: ctx.domain } } });
  if (data.name !== undefined) out.push({ event: 'update', parameter: { type: target.type, id: target.id, data: { name: data.name } } });
  const has = (kind: 'users' | 'roles' | 'loops', id: string) => ctx.existing !== undefined && Object.hasOwn(ctx.existing[kind], id);
  const upsert = (type: 'user' | 'role' | 'loop', id: string, exists: boolean, fields: Record<string, unknown>) => {
    if (!exists) out.push({ event: 'create', parameter: { type, id, scope: target } });
    if (Object.keys(fields).length > 0) out.push({ event: 'update', parameter: { type, id, data: fields } });
  };
  for (const [id, user] of Object.entries(data.users ?? {})) {
    upsert('user', id, has('users', id), dataOf(user, ['id', 'password']));
    if (!has('users', id)) warnings.push(`user ${id} has no password yet: set one before it can log in`);
  }
  for (const [id, role] of Object.entries(data.roles ?? {})) {
    if (id === ADMIN_ROLE) {
      // The admin role can only be granted through add_*_admin (the server refuses `create`).
      const event = target.type === 'project' ? 'add_project_admin' : 'add_domain_admin';
      for (const user of Object.keys(role.users ?? {})) out.push({ event, parameter: { [target.type]: target.id, user } });
      continue;
    }
    upsert('role', id, has('roles', id), dataOf(role, ['id', 'layout']));
  }
  for (const [id, loop] of Object.entries(data.loops ?? {})) upsert('loop', id, has('loops', id), dataOf(loop, ['id']));
  // Layouts last: they refer to loops that must exist by then.
  for (const [id, role] of Object.entries(data.roles ?? {})) if (role.layout) out.push({ event: 'set_layout', parameter: { role: id, layout: role.layout } });
  return out;
}

/** Validate `data` for the target and build the requests; no requests when there are errors. */
export function planImport(data: ScopeRecord, ctx: ImportContext, at = '$.data'): ImportPlan {
  const errors: string[] = [];
  const warnings: string[] = [];
  if (ctx.target.type === 'project' && idProblem(ctx.target.id)) errors.push(`${at}.id: project id ${idProblem(ctx.target.id)}`);
  validateScope(data, at, ctx, errors);
  if (errors.length > 0) return { errors, warnings, requests: [] };
  return { errors, warnings, requests: requestsFor(data, ctx, warnings) };
}
