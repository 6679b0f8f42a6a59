// openvocs' telephony extension events (docs/openvocs-protocol.md §10): LDAP status (docs/ldap.md) and
// the SIP gateway's status, calls, call-out and hangup with authorization (docs/telephony.md).
import { loopPermission } from '../../directory/permissions.js';
import { calloutRoles } from '../../gateways/sip/directory-access.js';
import { SipDialError } from '../../gateways/sip/sip-gateway.js';
import type { JsonObject } from '../../protocol/envelope.js';
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import { paramsOf } from '../../protocol/schemas.js';
import { loopKey } from '../hub.js';
import type { HandlerContext, HandlerTable } from '../services.js';
import { authorizedRole } from './guards.js';

/** Bus keys of the loops the socket's role may use, with the permission. */
function roleLoops({ conn, services }: HandlerContext): Map<string, { id: string; permission: 'send' | 'recv' }> {
  const { login, role } = authorizedRole(conn);
  const out = new Map<string, { id: string; permission: 'send' | 'recv' }>();
  for (const { loop, permission } of services.directory.loopsOfRole(login.scope, role)) {
    if (permission !== 'none') out.set(loopKey(login.scope, loop.id), { id: loop.id, permission });
  }
  return out;
}

function listCalls(ctx: HandlerContext): JsonObject {
  const loops = roleLoops(ctx);
  const calls = (ctx.services.telephony?.list() ?? []).flatMap((c) => {
    const loop = loops.get(c.loop);
    return loop ? [{ 'call-id': c.callId, loop: loop.id, peer: c.peer, since: Math.floor(c.since / 1000) }] : [];
  });
  return { calls };
}

function hangup(ctx: HandlerContext): JsonObject {
  const { call, loop } = paramsOf('hangup', ctx.request.parameter);
  const { login, role } = authorizedRole(ctx.conn);
  const record = ctx.services.directory.loop(login.scope, loop);
  if (!record || loopPermission(record, role) !== 'send') throw ProtocolError.permission(`no talk permission on loop ${loop}`);
  const key = loopKey(login.scope, loop);
  const target = ctx.services.telephony?.list().find((c) => c.callId === call && c.loop === key);
  if (!target || !ctx.services.telephony?.hangup(call, `hung up by ${login.user}`)) throw ProtocolError.permission(`no call ${call} on loop ${loop}`);
  return {};
}

async function callOut(ctx: HandlerContext): Promise<JsonObject> {
  const { loop, destination } = paramsOf('call', ctx.request.parameter);
  const { login, role } = authorizedRole(ctx.conn);
  const record = ctx.services.directory.loop(login.scope, loop);
  // The call-out right: talk permission and the role listed in the loop's `sip.callout`.
  if (!record || loopPermission(record, role) !== 'send' || !calloutRoles(record).includes(role)) throw ProtocolError.permission(`no call-out right on loop ${loop}`);
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

export const telephonyHandlers: HandlerTable = {
  // The login page asks before anyone logs in. openvocs answers with a bare boolean.
  is_ldap_enabled: { auth: 'none', handle: ({ services }) => (services.ldap !== undefined) as unknown as JsonObject },
  sip: { auth: 'login', handle: ({ services }) => ({ connected: services.telephony !== undefined }) },
  list_calls: { auth: 'role', handle: listCalls },
  hangup: { auth: 'role', handle: hangup },
  call: { auth: 'role', handle: callOut },
};
