// openvocs' telephony extension events (docs/openvocs-protocol.md §10, docs/telephony.md, docs/ldap.md).
import { z } from 'zod';
import { empty, idSchema, jsonObject } from '../common.js';
import { callPermissionSchema, sipPartySchema } from '../sip-shapes.js';
import { event, pushOf } from './define.js';

const callRow = z.object({ 'call-id': z.string(), loop: z.string(), peer: z.string(), since: z.number() });
/** As stored: times default to 0 (unbounded). */
const permissionRow = z.object({ caller: z.string().optional(), callee: z.string().optional(), loop: z.string(), valid_from: z.number(), valid_until: z.number() });

const sipStatus = z.object({
  connected: z.boolean(),
  calls: z.number().int().min(0),
  max_calls: z.number().int().min(0),
  transports: z.array(z.string()),
  outbound: z.boolean(),
});

export const telephonyEvents = {
  /** openvocs answers with a bare boolean: is login through an LDAP directory configured. */
  is_ldap_enabled: event(jsonObject, z.boolean()),
  /** Is a SIP gateway available. */
  sip: event(jsonObject, z.object({ connected: z.boolean() })),
  /** Calls on the loops of the authorized role (or, without a role, of the scopes the admin administers). */
  list_calls: event(jsonObject, z.object({ calls: z.array(callRow) })),
  /** Calls a number at the outbound trunk into a loop; needs the loop's call-out right (docs/telephony.md). */
  call: event(
    z.object({ loop: idSchema, destination: sipPartySchema, from: z.string().max(128).optional() }),
    z.object({ loop: z.string(), 'call-id': z.string(), caller: z.string(), callee: z.string() }),
  ),
  /** Ends a call on a loop the role may talk on (or of a scope the admin administers). */
  hangup: event(z.object({ call: z.string().min(1).max(256), loop: idSchema }), empty),
  /** Stores a call permission on the loop (admin of the loop's scope); loop broadcast `permit`. */
  permit_call: event(callPermissionSchema, empty),
  /** Removes matching call permissions (times of 0 match any); loop broadcast `revoke`. */
  revoke_call: event(callPermissionSchema, empty),
  /** Call permissions of the loops the caller may see. */
  list_call_permissions: event(jsonObject, z.object({ permissions: z.array(permissionRow) })),
  /** The gateway's state (admins). */
  list_sip_status: event(jsonObject, z.object({ status: sipStatus })),
};

const ldapSettings = z.object({
  enabled: z.boolean(),
  url: z.string().optional(),
  startTls: z.boolean().optional(),
  tls: z.object({ ca: z.string().optional(), rejectUnauthorized: z.boolean() }).optional(),
  timeoutMs: z.number().optional(),
  userDn: z.string().optional(),
  /** The service account's password is never sent. */
  search: z.object({ bindDn: z.string(), base: z.string(), filter: z.string() }).optional(),
  nameAttribute: z.string().optional(),
  groups: z.object({ base: z.string(), filter: z.string(), attribute: z.string() }).optional(),
  projects: z.array(z.object({ project: z.string(), roles: z.record(z.string(), z.array(z.string())) })).optional(),
});

/** The console's LDAP page (docs/ldap.md); admins only. */
export const ldapAdminEvents = {
  /** The configured LDAP directory, read-only (it is set in the configuration file). */
  admin_ldap_settings: event(jsonObject, ldapSettings),
  /** Binds as `user` without logging in or provisioning: the roles the groups map to, or why not. */
  admin_ldap_test: event(
    z.object({ user: z.string().min(1).max(256), password: z.string().max(1024) }),
    z.object({
      result: z.enum(['ok', 'refused', 'unmapped', 'unavailable', 'disabled']),
      message: z.string(),
      dn: z.string().optional(),
      name: z.string().optional(),
      groups: z.array(z.string()).optional(),
      project: z.string().optional(),
      roles: z.array(z.string()).optional(),
    }),
  ),
};

export const telephonyPushes = {
  /** A call joined the loop. */
  call: pushOf(['loop_broadcast'], z.object({ loop: z.string(), 'call-id': z.string(), peer: z.string() })),
  /** A call on the loop ended. */
  hangup: pushOf(['loop_broadcast'], z.object({ loop: z.string(), 'call-id': z.string() })),
  /** A call permission was stored on the loop. */
  permit: pushOf(['loop_broadcast'], permissionRow),
  /** Call permissions of the loop were removed (the revoke request, as openvocs sends it). */
  revoke: pushOf(['loop_broadcast'], permissionRow),
};
