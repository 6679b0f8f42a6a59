// Admin API (docs/openvocs-protocol.md §7), openvocs names and parameter shapes. Every write needs admin rights on
// the entity's scope (domain admins administer all projects of their domain) and is durable before
// the reply. Replies never carry password objects.
import { DirectoryChangeError, type Scope } from '../../directory/directory.js';
import {
  COLLECTION,
  dropReferences,
  entityRecord,
  idExists,
  isMemberKind,
  ownerScope,
  withoutSecrets,
  type EntityKind,
} from '../../directory/entities.js';
import { hashPassword } from '../../directory/passwords.js';
import { ADMIN_ROLE } from '../../directory/permissions.js';
import type { JsonObject } from '../../protocol/envelope.js';
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import { paramsOf } from '../../protocol/schemas.js';
import type { HandlerContext, HandlerTable, Services } from '../services.js';
import { administersEveryDomain, highestPortFor, idExistsFor, requireAnyAdmin, userVisibleTo } from './admin-scope.js';
import { getUser } from './session.js';
import { loggedIn, requireAdmin } from './guards.js';

export const MIN_PASSWORD_LENGTH = 8;

/** The scope whose admins may change this entity; unknown entities fail like forbidden ones (5000). */
function adminScopeOf(ctx: HandlerContext, type: EntityKind, id: string): Scope {
  return requireAdmin(ctx.services, ctx.conn, ownerScope(ctx.services.directory, type, id));
}

async function change(services: Services, scope: Scope, mutate: Parameters<Services['directory']['change']>[1]): Promise<void> {
  try {
    await services.directory.change(scope, mutate);
  } catch (err) {
    if (err instanceof DirectoryChangeError) {
      const details = { problem: err.problem };
      throw ProtocolError.named('invalidChange', `invalid change: ${err.message}`, err.path ? { field: err.path, details } : { details });
    }
    throw err;
  }
}

/** Apply `edit` to the entity's record inside a validated change of its scope. */
async function editEntity(services: Services, scope: Scope, type: EntityKind, id: string, edit: (record: Record<string, unknown>) => void): Promise<void> {
  await change(services, scope, (draft) => {
    const record = isMemberKind(type) ? (draft[COLLECTION[type]] as Record<string, Record<string, unknown>>)[id] : draft;
    if (record) edit(record);
  });
}

/** Keys no generic write may touch: identity, the owning domain, secrets. */
function refuseSpecialKeys(key: string, type: EntityKind): void {
  if (key === 'id') throw ProtocolError.parameter('key', 'the id cannot be changed');
  if (key === 'password') throw ProtocolError.parameter('key', 'use update_password to set a password');
  if (key === 'domain' && type === 'project') throw ProtocolError.parameter('key', 'a project cannot move to another domain');
  // Names that are not data on a JavaScript object: reserved, never written.
  if (key === '__proto__' || key === 'constructor' || key === 'prototype') throw ProtocolError.parameter('key', `${key} is reserved`);
}

async function create(ctx: HandlerContext): Promise<JsonObject> {
  const { services } = ctx;
  const p = paramsOf('create', ctx.request.parameter);
  const scope = requireAdmin(services, ctx.conn, services.directory.scope(p.scope.type, p.scope.id));
  if (p.type === 'role' && p.id === ADMIN_ROLE) throw ProtocolError.parameter('id', 'use add_domain_admin / add_project_admin for admin rights');
  if (idExists(services.directory, p.type, p.id)) throw ProtocolError.parameter('id', `${p.type} ${p.id} already exists`);
  if (p.type === 'domain') {
    // New tenants come from domain admins only (a project admin must not escape its project).
    if (scope.kind !== 'domain') throw ProtocolError.auth('domain admin rights required to create a domain');
    await services.directory.addDomain({ id: p.id, users: {}, roles: {}, loops: {} });
  } else if (p.type === 'project') {
    if (scope.kind !== 'domain') throw ProtocolError.parameter('scope.type', 'projects are created in a domain');
    await services.directory.addProject({ id: p.id, domain: scope.id, users: {}, roles: {}, loops: {} });
  } else {
    const type = p.type;
    const record = type === 'user' ? { id: p.id } : type === 'role' ? { id: p.id, users: {} } : { id: p.id, roles: {} };
    await change(services, scope, (draft) => {
      (draft[COLLECTION[type]] as Record<string, unknown>)[p.id] = record;
    });
  }
  return {};
}

async function update(ctx: HandlerContext): Promise<JsonObject> {
  const p = paramsOf('update', ctx.request.parameter);
  const scope = adminScopeOf(ctx, p.type, p.id);
  for (const key of Object.keys(p.data)) if (key !== 'id') refuseSpecialKeys(key, p.type);
  if (p.data.id !== undefined && p.data.id !== p.id) throw ProtocolError.parameter('data.id', 'does not match id');
  await editEntity(ctx.services, scope, p.type, p.id, (record) => {
    for (const [key, value] of Object.entries(p.data)) {
      if (key === 'users' && !isMemberKind(p.type)) record[key] = keepPasswords(record[key], value);
      else record[key] = value;
    }
  });
  return {};
}

/** Replacing a scope's users must not drop existing password objects (they never leave the server). */
function keepPasswords(existing: unknown, next: unknown): unknown {
  if (typeof next !== 'object' || next === null || typeof existing !== 'object' || existing === null) return next;
  const old = existing as Record<string, Record<string, unknown>>;
  const out = Object.create(null) as Record<string, unknown>;
  for (const [id, user] of Object.entries(next as Record<string, unknown>)) {
    if (typeof user !== 'object' || user === null) out[id] = user;
    else {
      const password = Object.hasOwn(old, id) ? old[id]?.password : undefined;
      const { password: _ignored, ...rest } = user as Record<string, unknown>;
      out[id] = password === undefined ? rest : { ...rest, password };
    }
  }
  return out;
}

async function updateKey(ctx: HandlerContext): Promise<JsonObject> {
  const p = paramsOf('update_key', ctx.request.parameter);
  refuseSpecialKeys(p.key, p.type);
  const scope = adminScopeOf(ctx, p.type, p.id);
  await editEntity(ctx.services, scope, p.type, p.id, (record) => {
    record[p.key] = p.key === 'users' && !isMemberKind(p.type) ? keepPasswords(record[p.key], p.data) : p.data;
  });
  return {};
}

async function deleteKey(ctx: HandlerContext): Promise<JsonObject> {
  const p = paramsOf('delete_key', ctx.request.parameter);
  refuseSpecialKeys(p.key, p.type);
  const scope = adminScopeOf(ctx, p.type, p.id);
  await editEntity(ctx.services, scope, p.type, p.id, (record) => {
    delete record[p.key];
  });
  return {};
}

async function remove(ctx: HandlerContext): Promise<JsonObject> {
  const { services } = ctx;
  const p = paramsOf('delete', ctx.request.parameter);
  const scope = adminScopeOf(ctx, p.type, p.id);
  if (!isMemberKind(p.type)) {
    await services.directory.removeScope(scope);
    return {};
  }
  const type = p.type;
  await change(services, scope, (draft) => {
    delete (draft[COLLECTION[type]] as Record<string, unknown>)[p.id];
    dropReferences({ ...scope, data: draft }, type, p.id);
  });
  if (type === 'user') {
    await services.sessions.revokeUser(p.id);
    await services.state.forgetUser(p.id);
  }
  return {};
}

function get(ctx: HandlerContext): JsonObject {
  const p = paramsOf('get', ctx.request.parameter);
  // `get {type:user}` is the keyset's "who am I": always the logged-in user, whatever the id.
  if (p.type === 'user' && p.id === loggedIn(ctx.conn).user) return getUser(ctx);
  adminScopeOf(ctx, p.type, p.id);
  const result = withoutSecrets(entityRecord(ctx.services.directory, p.type, p.id)) as JsonObject | undefined;
  if (p.type === 'domain' && result) result.projects = domainProjects(ctx, p.id);
  return { type: p.type, result: result ?? null };
}

/**
 * A domain's projects inside its `get` record, as openvocs keeps them (`projects: {<id>: {id, users, roles, loops…}}`):
 * the openvocs admin client takes a project's loops and roles from there. Only projects the caller administers
 * (a domain admin administers all of them; the check keeps it so should that ever change).
 */
function domainProjects(ctx: HandlerContext, domainId: string): JsonObject {
  const { directory } = ctx.services;
  const user = loggedIn(ctx.conn).user;
  const out = Object.create(null) as JsonObject;
  for (const project of directory.projectsOf(domainId)) {
    if (directory.isAdmin(user, project)) out[project.id] = withoutSecrets(project.data);
  }
  return out;
}

function getKey(ctx: HandlerContext): JsonObject {
  const p = paramsOf('get_key', ctx.request.parameter);
  adminScopeOf(ctx, p.type, p.id);
  const record = entityRecord(ctx.services.directory, p.type, p.id);
  const value = p.key === 'password' || !record || !Object.hasOwn(record, p.key) ? null : withoutSecrets(record[p.key]);
  return { type: p.type, id: p.id, key: p.key, result: value ?? null };
}

async function updatePassword(ctx: HandlerContext): Promise<JsonObject> {
  const { services } = ctx;
  const p = paramsOf('update_password', ctx.request.parameter);
  const self = loggedIn(ctx.conn).user === p.user;
  const scope = self ? services.directory.findUser(p.user)?.scope : adminScopeOf(ctx, 'user', p.user);
  if (!scope) throw ProtocolError.auth();
  if (p.password.length < MIN_PASSWORD_LENGTH) throw ProtocolError.parameter('password', `at least ${MIN_PASSWORD_LENGTH} characters`);
  const password = await hashPassword(p.password);
  await editEntity(services, scope, 'user', p.user, (record) => {
    record.password = password;
  });
  // Whoever knew the old password is out: every other session and socket of the user ends (the
  // user's own socket stays logged in when they changed it themselves).
  const me = loggedIn(ctx.conn);
  await services.sessions.revokeUser(p.user, self ? me.session : undefined);
  for (const socket of services.hub.socketsOfUser(p.user)) if (socket !== ctx.conn) socket.close(4001, 'password changed');
  return {};
}

async function addAdmin(ctx: HandlerContext, scope: Scope | undefined, user: string): Promise<JsonObject> {
  const target = requireAdmin(ctx.services, ctx.conn, scope);
  // Only users of scopes the caller administers: another tenant's user names are not an oracle.
  if (!userVisibleTo(ctx.services.directory, loggedIn(ctx.conn).user, user)) throw ProtocolError.parameter('user', `unknown user ${user}`);
  await change(ctx.services, target, (draft) => {
    const role = (draft.roles[ADMIN_ROLE] ??= { id: ADMIN_ROLE, users: {} });
    role.users[user] = null;
  });
  return {};
}

async function setLayout(ctx: HandlerContext): Promise<JsonObject> {
  const p = paramsOf('set_layout', ctx.request.parameter);
  const scope = adminScopeOf(ctx, 'role', p.role);
  await editEntity(ctx.services, scope, 'role', p.role, (record) => {
    record.layout = p.layout;
  });
  return {};
}

function getLayout(ctx: HandlerContext): JsonObject {
  const { role } = paramsOf('get_layout', ctx.request.parameter);
  const { scope } = loggedIn(ctx.conn);
  const owner = ctx.services.directory.ownerOf('roles', role) ?? scope;
  // Members of the scope (and its admins) may read a role's layout.
  if (owner !== scope && !ctx.services.directory.isAdmin(loggedIn(ctx.conn).user, owner)) throw ProtocolError.auth();
  const record = ctx.services.directory.role(owner, role);
  if (!record) throw ProtocolError.parameter('role', `unknown role ${role}`);
  return { layout: record.layout ?? {} };
}

function ownAdminQuery(ctx: HandlerContext): string {
  const { user } = paramsOf('admin_domains', ctx.request.parameter);
  const me = loggedIn(ctx.conn).user;
  if (user !== undefined && user !== me) throw ProtocolError.auth('admin rights can only be listed for yourself');
  return me;
}

const write = (handle: (ctx: HandlerContext) => Promise<JsonObject>) => ({ auth: 'login' as const, handle });
const read = (handle: (ctx: HandlerContext) => JsonObject) => ({ auth: 'login' as const, handle });

export const adminHandlers: HandlerTable = {
  admin_domains: read((ctx) => {
    const me = ownAdminQuery(ctx);
    return { domains: ctx.services.directory.adminScopes(me).filter((s) => s.kind === 'domain').map((s) => s.id) };
  }),
  admin_projects: read((ctx) => {
    const me = ownAdminQuery(ctx);
    const projects: JsonObject = {};
    for (const s of ctx.services.directory.adminScopes(me)) {
      if (s.kind === 'project') projects[s.id] = { id: s.id, domain: s.domainId, name: s.data.name ?? null };
    }
    return { projects };
  }),
  check_id_exists: read((ctx) => {
    const p = paramsOf('check_id_exists', ctx.request.parameter);
    const me = loggedIn(ctx.conn).user;
    requireAnyAdmin(ctx.services.directory, me);
    return { result: idExistsFor(ctx.services.directory, me, p.id, p.scope) };
  }),
  get: read(get),
  get_key: read(getKey),
  create: write(create),
  update: write(update),
  update_key: write(updateKey),
  delete_key: write(deleteKey),
  delete: write(remove),
  update_password: write(updatePassword),
  set_layout: write(setLayout),
  get_layout: read(getLayout),
  add_domain_admin: write((ctx) => {
    const p = paramsOf('add_domain_admin', ctx.request.parameter);
    return addAdmin(ctx, ctx.services.directory.domain(p.domain), p.user);
  }),
  add_project_admin: write((ctx) => {
    const p = paramsOf('add_project_admin', ctx.request.parameter);
    return addAdmin(ctx, ctx.services.directory.project(p.project), p.user);
  }),
  save: write(async (ctx) => {
    // Rewrites every tenant's files (every acknowledged change is already durable anyway).
    if (!administersEveryDomain(ctx.services.directory, loggedIn(ctx.conn).user)) throw ProtocolError.auth('save rewrites every tenant: admin rights on every domain required');
    await ctx.services.directory.saveAll();
    await ctx.services.state.save();
    return {};
  }),
  load: write(async (ctx) => {
    if (!administersEveryDomain(ctx.services.directory, loggedIn(ctx.conn).user)) throw ProtocolError.auth('load re-reads every tenant: admin rights on every domain required');
    try {
      await ctx.services.directory.reload();
    } catch (err) {
      throw new ProtocolError(ErrorCode.processing, `load failed, nothing changed: ${(err as Error).message}`);
    }
    return {};
  }),
  get_highest_port: read((ctx) => {
    const me = loggedIn(ctx.conn).user;
    requireAnyAdmin(ctx.services.directory, me);
    return { port: highestPortFor(ctx.services.directory, me) };
  }),
};
