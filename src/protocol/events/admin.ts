// Admin API (docs/openvocs-protocol.md §7, docs/protocol.md "Admin API"): openvocs names and parameter shapes.
import { z } from 'zod';
import { empty, entityKind, idSchema, jsonObject, roleLayoutSchema, scopeKind } from '../common.js';
import { event } from './define.js';

const typeId = z.object({ type: entityKind, id: idSchema });
const keyName = z.string().min(1).max(128);
/** Only the caller may be named (openvocs lets clients pass their own id). */
const ownQuery = z.object({ user: idSchema.optional() });

export const adminEvents = {
  admin_domains: event(ownQuery, z.object({ domains: z.array(z.string()) })),
  admin_projects: event(ownQuery, z.object({ projects: z.record(z.string(), z.object({ id: z.string(), domain: z.string(), name: z.string().nullable() })) })),
  check_id_exists: event(z.object({ id: idSchema, scope: entityKind.optional() }), z.object({ result: z.boolean() })),
  get_key: event(typeId.extend({ key: keyName }), z.object({ type: entityKind, id: z.string(), key: z.string(), result: z.unknown() })),
  create: event(typeId.extend({ scope: z.object({ type: scopeKind, id: idSchema }) }), empty),
  update: event(typeId.extend({ data: jsonObject }), empty),
  update_key: event(typeId.extend({ key: keyName, data: z.unknown() }), empty),
  delete_key: event(typeId.extend({ key: keyName }), empty),
  delete: event(typeId, empty),
  update_password: event(z.object({ user: idSchema, password: z.string().max(1024) }), empty),
  set_layout: event(z.object({ role: idSchema, layout: roleLayoutSchema }), empty),
  get_layout: event(z.object({ role: idSchema }), z.object({ layout: jsonObject })),
  add_domain_admin: event(z.object({ domain: idSchema, user: idSchema }), empty),
  add_project_admin: event(z.object({ project: idSchema, user: idSchema }), empty),
  save: event(jsonObject, empty),
  load: event(jsonObject, empty),
  get_highest_port: event(jsonObject, z.object({ port: z.number().int().min(0) })),
};

const liveSocket = z.object({
  client: z.string(),
  user: z.string(),
  role: z.string().nullable(),
  scope: z.object({ type: scopeKind, id: z.string() }),
  address: z.string(),
  loops: z.record(z.string(), z.enum(['recv', 'send'])),
  talking: z.array(z.string()),
  media: z
    .object({ connected: z.boolean(), packetsIn: z.number(), packetsOut: z.number(), uplinkLoss: z.number(), uplinkJitterMs: z.number() })
    .nullable(),
});

export const auditEntrySchema = z.object({
  time: z.string(),
  user: z.string(),
  event: z.string(),
  target: z.object({ type: z.string(), id: z.string() }).nullable(),
  domain: z.string().nullable(),
  project: z.string().nullable(),
  summary: z.string(),
});

/** Loopcast's console extensions (docs/protocol.md "Extensions"). */
export const adminMonitorEvents = {
  admin_live: event(jsonObject, z.object({ sockets: z.array(liveSocket) })),
  admin_audit: event(z.object({ limit: z.number().int().min(1).max(1000).optional() }), z.object({ entries: z.array(auditEntrySchema) })),
};
