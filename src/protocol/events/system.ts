// Per-user data, keyset layouts, system broadcasts and `ping` (docs/openvocs-protocol.md §5, §8).
import { z } from 'zod';
import { empty, idSchema, jsonObject } from '../common.js';
import { event, pushOf } from './define.js';

export const systemEvents = {
  get_user_data: event(jsonObject, z.object({ data: jsonObject })),
  /** The whole parameter is the data, stored and returned verbatim. */
  set_user_data: event(jsonObject, empty),
  get_keyset_layout: event(z.object({ domain: idSchema, layout: idSchema }), z.object({ layout: jsonObject })),
  set_keyset_layout: event(z.object({ domain: idSchema, name: idSchema, layout: jsonObject }), empty),
  /** The parameter is re-sent to the system-broadcast sockets, e.g. `{type:"page_update"}`. */
  broadcast: event(jsonObject, empty),
  ping: event(jsonObject, empty),
};

export const systemPushes = {
  broadcast: pushOf(['system_broadcast'], jsonObject),
};
