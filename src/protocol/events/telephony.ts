// openvocs' telephony extension events (docs/openvocs-protocol.md §10, docs/telephony.md, docs/ldap.md).
import { z } from 'zod';
import { jsonObject } from '../common.js';
import { event } from './define.js';

export const telephonyEvents = {
  /** openvocs answers with a bare boolean: is login through an LDAP directory configured. */
  is_ldap_enabled: event(jsonObject, z.boolean()),
};
