// openvocs' call permissions (docs/openvocs-protocol.md §10, docs/telephony.md): `permit_call` and
// `revoke_call` change the loop's `sip.whitelist` through the directory's write path (validated,
// durable, then visible — running calls are re-checked on the change), by admins of the loop's scope.
import { loopKey } from '../../directory/loop-key.js';
import type { LoopRecord } from '../../directory/schema.js';
import type { JsonObject } from '../../protocol/envelope.js';
import { push } from '../../protocol/envelope.js';
import { paramsOf } from '../../protocol/schemas.js';
import { permissionMatches, type CallPermission } from '../../protocol/sip-shapes.js';
import type { HandlerContext, HandlerTable } from '../services.js';
import { administeredLoop, visibleLoops } from './telephony-scope.js';

/** The wire form: absent parties are left out, as openvocs does. */
function wire(p: CallPermission): CallPermission {
  return { ...(p.caller !== undefined ? { caller: p.caller } : {}), ...(p.callee !== undefined ? { callee: p.callee } : {}), loop: p.loop, valid_from: p.valid_from, valid_until: p.valid_until };
}

function sipOf(loop: LoopRecord): NonNullable<LoopRecord['sip']> {
  loop.sip ??= {};
  return loop.sip;
}

async function permit(ctx: HandlerContext): Promise<JsonObject> {
  const permission = paramsOf('permit_call', ctx.request.parameter);
  const target = administeredLoop(ctx, permission.loop);
  const exact = (p: CallPermission) => JSON.stringify(wire(p)) === JSON.stringify(wire(permission));
  await ctx.services.directory.change(target.scope, (draft) => {
    const loop = draft.loops[permission.loop];
    if (!loop) return; // validated above; a concurrent delete makes this a no-op
    const sip = sipOf(loop);
    const list = sip.whitelist ?? [];
    if (!list.some(exact)) sip.whitelist = [...list, wire(permission)];
  });
  ctx.services.hub.toLoop(loopKey(target.scope, permission.loop), push('permit', 'loop_broadcast', wire(permission)));
  return {};
}

async function revoke(ctx: HandlerContext): Promise<JsonObject> {
  const query = paramsOf('revoke_call', ctx.request.parameter);
  const target = administeredLoop(ctx, query.loop);
  await ctx.services.directory.change(target.scope, (draft) => {
    const sip = draft.loops[query.loop]?.sip;
    if (!sip?.whitelist) return;
    sip.whitelist = sip.whitelist.filter((p) => !permissionMatches(p, query));
  });
  ctx.services.hub.toLoop(loopKey(target.scope, query.loop), push('revoke', 'loop_broadcast', wire(query)));
  return {};
}

function list(ctx: HandlerContext): JsonObject {
  const permissions = [...visibleLoops(ctx).values()].flatMap((v) => (v.loop.sip?.whitelist ?? []).map(wire));
  return { permissions };
}

export const callPermissionHandlers: HandlerTable = {
  permit_call: { auth: 'login', handle: permit },
  revoke_call: { auth: 'login', handle: revoke },
  list_call_permissions: { auth: 'login', handle: list },
};
