// openvocs' telephony extension events (docs/openvocs-protocol.md §10): the SIP gateway's status, calls,
// call-out and hangup with authorization (docs/telephony.md). Call permissions: call-permissions.ts.
import { loopKey } from '../../directory/loop-key.js';
import { loopPermission } from '../../directory/permissions.js';
import { calloutRoles, permittedCallee } from '../../gateways/sip/directory-access.js';
import { SipDialError } from '../../gateways/sip/sip-gateway.js';
import type { JsonObject } from '../../protocol/envelope.js';
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import { paramsOf } from '../../protocol/schemas.js';
import type { HandlerContext, HandlerTable } from '../services.js';
import { authorizedRole, loggedIn, requireAdmin } from './guards.js';
import { actionableLoop, visibleLoops } from './telephony-scope.js';

function listCalls(ctx: HandlerContext): JsonObject {
  const loops = visibleLoops(ctx);
  const calls = (ctx.services.telephony?.list() ?? []).flatMap((c) => {
    const loop = loops.get(c.loop);
    return loop ? [{ 'call-id': c.callId, loop: loop.id, peer: c.peer, since: Math.floor(c.since / 1000) }] : [];
  });
  return { calls };
}

function hangup(ctx: HandlerContext): JsonObject {
  const { call, loop } = paramsOf('hangup', ctx.request.parameter);
  const target = actionableLoop(ctx, loop);
  const key = loopKey(target.scope, loop);
  const telephony = ctx.services.telephony;
  const running = telephony?.list().find((c) => c.callId === call && c.loop === key);
  if (!running || !telephony?.hangup(call, `hung up by ${loggedIn(ctx.conn).user}`)) throw ProtocolError.permission(`no call ${call} on loop ${loop}`);
  return {};
}

async function callOut(ctx: HandlerContext): Promise<JsonObject> {
  const { loop, destination } = paramsOf('call', ctx.request.parameter);
  const { login, role } = authorizedRole(ctx.conn);
  const record = ctx.services.directory.loop(login.scope, loop);
  // The call-out right: talk permission, and the role listed in `sip.callout` or a call permission for this callee.
  const mayCall = record !== undefined && loopPermission(record, role) === 'send' && (calloutRoles(record).includes(role) || permittedCallee(record, destination, Date.now()));
  if (!mayCall) throw ProtocolError.permission(`no call-out right on loop ${loop}`);
  const telephony = ctx.services.telephony;
  if (!telephony) throw new ProtocolError(ErrorCode.noResources, 'no SIP gateway on this server');
  const target = { key: loopKey(login.scope, loop), ...(record.multicast ? { address: { host: record.multicast.host, port: record.multicast.port } } : {}) };
  try {
    const info = await telephony.dial(target, destination, login.user);
    return { loop, 'call-id': info.callId, caller: login.user, callee: destination };
  } catch (err) {
    if (err instanceof SipDialError) throw new ProtocolError(ErrorCode.noResources, `call not placed: ${err.message}`);
    throw err;
  }
}

function sipStatus(ctx: HandlerContext): JsonObject {
  const login = loggedIn(ctx.conn);
  requireAdmin(ctx.services, ctx.conn, ctx.services.directory.adminScopes(login.user)[0]);
  const telephony = ctx.services.telephony;
  return { status: telephony ? telephony.status() : { connected: false, calls: 0, max_calls: 0, transports: [], outbound: false } };
}

export const telephonyHandlers: HandlerTable = {
  // The login page asks before anyone logs in. openvocs answers with a bare boolean.
  is_ldap_enabled: { auth: 'none', handle: ({ services }) => (services.ldap !== undefined) as unknown as JsonObject },
  sip: { auth: 'login', handle: ({ services }) => ({ connected: services.telephony !== undefined }) },
  // With a role: that role's loops; without one (the admin console): the administered scopes' loops.
  list_calls: { auth: 'login', handle: listCalls },
  hangup: { auth: 'login', handle: hangup },
  call: { auth: 'role', handle: callOut },
  list_sip_status: { auth: 'login', handle: sipStatus },
};
