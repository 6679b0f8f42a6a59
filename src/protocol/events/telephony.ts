// openvocs' telephony extension events (docs/openvocs-protocol.md §10, docs/telephony.md, docs/ldap.md).
import { z } from 'zod';
import { empty, idSchema, jsonObject } from '../common.js';
import { event, pushOf } from './define.js';

const callRow = z.object({ 'call-id': z.string(), loop: z.string(), peer: z.string(), since: z.number() });

export const telephonyEvents = {
  /** openvocs answers with a bare boolean: is login through an LDAP directory configured. */
  is_ldap_enabled: event(jsonObject, z.boolean()),
  /** Is a SIP gateway available. */
  sip: event(jsonObject, z.object({ connected: z.boolean() })),
  /** Calls on the loops of the authorized role. */
  list_calls: event(jsonObject, z.object({ calls: z.array(callRow) })),
  /** Calls a number at the outbound trunk into a loop; needs the loop's call-out right (docs/telephony.md). */
  call: event(
    z.object({ loop: idSchema, destination: z.string().min(1).max(64), from: z.string().max(128).optional() }),
    z.object({ loop: z.string(), 'call-id': z.string(), caller: z.string(), callee: z.string() }),
  ),
  /** Ends a call on a loop the role may talk on. */
  hangup: event(z.object({ call: z.string().min(1).max(256), loop: idSchema }), empty),
};

export const telephonyPushes = {
  /** A call joined the loop. */
  call: pushOf(['loop_broadcast'], z.object({ loop: z.string(), 'call-id': z.string(), peer: z.string() })),
  /** A call on the loop ended. */
  hangup: pushOf(['loop_broadcast'], z.object({ loop: z.string(), 'call-id': z.string() })),
};
