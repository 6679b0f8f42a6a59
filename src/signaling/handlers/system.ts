// broadcast (admins only, unlike the C reference) and the Loopcast `ping` extension.
import { push, type JsonObject } from '../../protocol/envelope.js';
import { ProtocolError } from '../../protocol/errors.js';
import { paramsOf } from '../../protocol/schemas.js';
import type { HandlerTable } from '../services.js';
import { loggedIn } from './guards.js';

export const systemHandlers: HandlerTable = {
  broadcast: {
    auth: 'login',
    handle: ({ conn, request, services }): JsonObject => {
      const { user } = loggedIn(conn);
      const message = paramsOf('broadcast', request.parameter);
      const scopes = services.directory.adminScopes(user);
      if (scopes.length === 0) throw ProtocolError.auth('admin rights required');
      // Tenant isolation: reach only sockets whose user lives in a scope this admin administers.
      const allowed = new Set(scopes);
      services.hub.toSystem(push('broadcast', 'system_broadcast', message), (c) => c.login !== undefined && allowed.has(c.login.scope));
      services.log.info({ conn: conn.id, user, type: message.type }, 'system broadcast sent');
      return {};
    },
  },
  ping: { auth: 'none', handle: () => ({}) },
};
