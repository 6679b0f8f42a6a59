// get_user_data / set_user_data (per-user UI memory) and keyset layouts (docs/openvocs-protocol.md §5).
import type { JsonObject } from '../../protocol/envelope.js';
import { ProtocolError } from '../../protocol/errors.js';
import { paramsOf } from '../../protocol/schemas.js';
import { keysetLayout, setKeysetLayout } from '../../directory/keyset-layout.js';
import type { HandlerTable } from '../services.js';
import { loggedIn, requireAdmin } from './guards.js';

export const userDataHandlers: HandlerTable = {
  get_user_data: {
    auth: 'login',
    handle: ({ conn, services }) => ({ data: services.state.userData(loggedIn(conn).user) }),
  },
  set_user_data: {
    auth: 'login',
    handle: async ({ conn, request, services }): Promise<JsonObject> => {
      const data = paramsOf('set_user_data', request.parameter);
      await services.state.setUserData(loggedIn(conn).user, data);
      return {};
    },
  },
  get_keyset_layout: {
    auth: 'login',
    handle: ({ conn, request, services }) => {
      const { scope } = loggedIn(conn);
      const { domain, layout } = paramsOf('get_keyset_layout', request.parameter);
      const domainScope = services.directory.domain(scope.domainId);
      if (domain !== scope.domainId || !domainScope) throw ProtocolError.auth(`not a member of domain ${domain}`);
      return { layout: keysetLayout(domainScope, layout) };
    },
  },
  set_keyset_layout: {
    auth: 'login',
    handle: async ({ conn, request, services }): Promise<JsonObject> => {
      const { domain, name, layout } = paramsOf('set_keyset_layout', request.parameter);
      const domainScope = requireAdmin(services, conn, services.directory.domain(domain));
      // The one write path: validated, durable, then visible (a refused or failed write changes nothing).
      await services.directory.change(domainScope, (draft) => setKeysetLayout(draft, name, layout));
      return {};
    },
  },
};
