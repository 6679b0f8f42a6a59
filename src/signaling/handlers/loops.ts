// role_loops, switch_loop_state, switch_loop_volume, talking (docs/openvocs-protocol.md §5).
import { loopPermission, mayEnterState, type LoopPermission } from '../../directory/permissions.js';
import type { LoopRecord } from '../../directory/schema.js';
import { push, type JsonObject } from '../../protocol/envelope.js';
import { ProtocolError } from '../../protocol/errors.js';
import { paramsOf } from '../../protocol/schemas.js';
import type { Connection } from '../connection.js';
import { loopKey } from '../hub.js';
import type { HandlerContext, HandlerTable, Services } from '../services.js';
import { namedParticipants, roleLoopsOf } from '../keyset-live.js';
import { authorizedRole } from './guards.js';
import { applyLoopState, loopEventParams, setTalking } from './loop-effects.js';

/** The loop and this socket's role permission on it; unknown loops look like forbidden ones. */
function permittedLoop(services: Services, conn: Connection, loopId: string): { loop: LoopRecord; permission: LoopPermission } {
  const { login, role } = authorizedRole(conn);
  const loop = services.directory.loop(login.scope, loopId);
  const permission = loop ? loopPermission(loop, role) : 'none';
  if (!loop || permission === 'none') throw ProtocolError.permission(`no permission for loop ${loopId}`);
  return { loop, permission };
}

function roleLoops({ conn, services }: HandlerContext): JsonObject {
  authorizedRole(conn);
  return { loops: roleLoopsOf(services, conn) };
}

async function switchLoopState({ conn, request, services }: HandlerContext): Promise<JsonObject> {
  const { login, role } = authorizedRole(conn);
  const { loop: loopId, state } = paramsOf('switch_loop_state', request.parameter);
  const { permission } = permittedLoop(services, conn, loopId);
  if (!mayEnterState(permission, state)) throw ProtocolError.permission(`loop ${loopId} allows ${permission} only`);
  const stored = services.state.loopSetting(login.user, role, loopId);
  // A no-op switch (the client's start-up sync) tells nobody, as in the openvocs trace.
  const changed = conn.loopState(loopId) !== state || stored.state !== state;
  // Durable before anyone is told (acknowledged changes survive a crash).
  if (stored.state !== state) await services.state.setLoopState(login.user, role, loopId, state);
  if (conn.closed) return {};
  const participants = applyLoopState(services, conn, loopId, state, stored.volume);
  if (changed) services.hub.toUser(login.user, push('switch_loop_state', 'user_broadcast', loopEventParams(conn, loopId, state, participants)));
  return { loop: loopId, state, participants };
}

async function switchLoopVolume({ conn, request, services }: HandlerContext): Promise<JsonObject> {
  const { login, role } = authorizedRole(conn);
  const params = paramsOf('switch_loop_volume', request.parameter);
  const volume = Math.round(params.volume);
  const loopId = params.loop;
  permittedLoop(services, conn, loopId);
  await services.state.setLoopVolume(login.user, role, loopId, volume);
  if (conn.closed) return {};
  const state = conn.loopState(loopId);
  if (state !== 'none') applyLoopState(services, conn, loopId, state, volume);
  services.hub.toUser(
    login.user,
    push('switch_loop_volume', 'user_broadcast', { loop: loopId, volume, user: login.user, role, client: conn.clientId }),
  );
  return { loop: loopId, volume };
}

function talking({ conn, request, services }: HandlerContext): JsonObject {
  const { login, role } = authorizedRole(conn);
  const { loop: loopId, state } = paramsOf('talking', request.parameter);
  const { permission } = permittedLoop(services, conn, loopId);
  if (permission !== 'send') throw ProtocolError.permission(`loop ${loopId} allows recv only`);
  if (state && conn.loopState(loopId) !== 'send') throw ProtocolError.permission(`loop ${loopId} is not switched to send`);
  setTalking(services, conn, loopId, state);
  return { loop: loopId, state, user: login.user, role };
}

/** Loopcast extension: the loop's participants with display names; anyone who may monitor the loop may ask. */
function loopParticipants({ conn, request, services }: HandlerContext): JsonObject {
  const { login } = authorizedRole(conn);
  const { loop: loopId } = paramsOf('loop_participants', request.parameter);
  permittedLoop(services, conn, loopId);
  return { loop: loopId, participants: namedParticipants(services, login.scope, services.hub.participants(loopKey(login.scope, loopId))) };
}

export const loopHandlers: HandlerTable = {
  role_loops: { auth: 'role', handle: roleLoops },
  switch_loop_state: { auth: 'role', handle: switchLoopState },
  switch_loop_volume: { auth: 'role', handle: switchLoopVolume },
  talking: { auth: 'role', handle: talking },
  loop_participants: { auth: 'role', handle: loopParticipants },
};
