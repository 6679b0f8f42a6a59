// Session and identity events (docs/openvocs-protocol.md §4, §5; docs/protocol.md "Events").
import { z } from 'zod';
import { empty, entityKind, idSchema, jsonObject } from '../common.js';
import { event } from './define.js';

const login = event(
  z.object({ user: idSchema, password: z.string().min(1).max(1024) }),
  z.looseObject({ id: z.string(), session: z.string() }),
);
const authorize = event(z.object({ role: idSchema }), z.looseObject({ id: z.string() }));

/** The caller (`type:"user"`, always the logged-in user) or an admin read of any entity (docs/protocol.md "Admin API"). */
export const getEvent = event(
  z.object({ type: entityKind, id: idSchema }),
  z.looseObject({ type: entityKind, result: z.union([jsonObject, z.null()]) }),
);

export const sessionEvents = {
  register: event(jsonObject, empty),
  login,
  authenticate: login,
  update_login: event(z.object({ user: idSchema, session: z.string().min(1).max(128) }), z.looseObject({ id: z.string(), session: z.string() })),
  logout: event(jsonObject, empty),
  user_roles: event(jsonObject, z.object({ roles: z.record(z.string(), z.looseObject({ id: z.string(), project: z.string() })) })),
  authorize,
  authorise: authorize,
  get: getEvent,
};
