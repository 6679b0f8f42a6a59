// openvocs' telephony extension events (docs/openvocs-protocol.md §10): LDAP status; see docs/ldap.md.
import type { JsonObject } from '../../protocol/envelope.js';
import type { HandlerTable } from '../services.js';

export const telephonyHandlers: HandlerTable = {
  // The login page asks before anyone logs in. openvocs answers with a bare boolean.
  is_ldap_enabled: { auth: 'none', handle: ({ services }) => (services.ldap !== undefined) as unknown as JsonObject },
};
