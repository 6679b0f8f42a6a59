// Recorder events (docs/openvocs-protocol.md §10, docs/protocol.md "Recording"), all behind
// authorization: replay needs the monitor right on the loop, history needs the playback right
// (scope admin, or a role with `"playback": true` that may monitor the loop), switches, retention,
// holds, erasure and export need the admin right on the caller's scope (retention and holds: or on the
// scope named in the request).
import type { Scope } from '../../directory/directory.js';
import { loopIdOf, type LoopKey } from '../../directory/loop-key.js';
import { loopPermission } from '../../directory/permissions.js';
import { push, type JsonObject } from '../../protocol/envelope.js';
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import { paramsOf } from '../../protocol/schemas.js';
import type { RecordingService } from '../../recorder/service.js';
import { busLoopKey, scopeKey } from '../../recorder/service.js';
import { RECORDINGS_PREFIX } from '../../recorder/links.js';
import { MAX_MIX_MS } from '../../recorder/mix-export.js';
import type { Connection } from '../connection.js';
import type { HandlerContext, HandlerTable, Services } from '../services.js';
import { authorizedRole, loggedIn, requireAdmin } from './guards.js';
import { mediaLoop } from './loop-effects.js';

/** openvocs' limit for get_recording rows. */
const MAX_ROWS = 50;
/** Live loops are ducked by 6 dB during a replay: volume is a square law, so × 10^(-6/40). */
const DUCK_FACTOR = 10 ** (-6 / 40);

function recording(services: Services): RecordingService {
  if (!services.recording) throw new ProtocolError(ErrorCode.noResources, 'recording is not available on this server');
  return services.recording;
}

function mayMonitor(services: Services, conn: Connection, loopId: string): boolean {
  const login = conn.login;
  const role = conn.role;
  if (!login || !role) return false;
  const loop = services.directory.loop(login.scope, loopId);
  return loop !== undefined && loopPermission(loop, role) !== 'none';
}

/**
 * The scope of a loop for this caller: their own scope, or a scope they administer (a domain admin
 * reaches the loops of the domain's projects, as the openvocs admin client expects).
 */
function loopScope(services: Services, conn: Connection, loopId: string): Scope | undefined {
  const login = loggedIn(conn);
  if (services.directory.loop(login.scope, loopId) !== undefined) return login.scope;
  const owner = services.directory.ownerOf('loops', loopId);
  return owner && services.directory.isAdmin(login.user, owner) ? owner : undefined;
}

/** The loop id of a key the recording store kept (it stores the keys busLoopKey built, as text). */
const storedLoopId = (key: string): string => loopIdOf(key as LoopKey);

/** Playback right on a loop: admin of the scope, or a `playback` role that may monitor the loop. */
function requirePlayback(services: Services, conn: Connection, loopId: string): Scope {
  const login = loggedIn(conn);
  const scope = loopScope(services, conn, loopId);
  if (scope === undefined) throw ProtocolError.permission(`no playback right for loop ${loopId}`);
  if (services.directory.isAdmin(login.user, scope)) return scope;
  const role = conn.role ? services.directory.role(login.scope, conn.role) : undefined;
  if (role?.playback === true && mayMonitor(services, conn, loopId)) return login.scope;
  throw ProtocolError.permission(`no playback right for loop ${loopId}`);
}

/** The signed-in scope, or the one the request names; either way the caller must administer it. */
function adminScope(services: Services, conn: Connection, named?: { type: 'domain' | 'project'; id: string }): Scope {
  return requireAdmin(services, conn, named ? services.directory.scope(named.type, named.id) : loggedIn(conn).scope);
}

function requireLoop(services: Services, scope: Scope, loopId: string): void {
  if (services.directory.loop(scope, loopId) === undefined) throw ProtocolError.parameter('loop', `unknown loop ${loopId}`);
}

/** `2026-11-30 06:33:29`: openvocs' recordings table stores TIMESTAMP text in UTC. */
function sqlTimestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

function getRecording({ conn, request, services }: HandlerContext): JsonObject {
  const p = paramsOf('get_recording', request.parameter);
  const scope = requirePlayback(services, conn, p.loop);
  const rec = recording(services);
  const rows = rec.recorder.repo.search({ loops: [busLoopKey(scope, p.loop)], ...(p.user ? { user: p.user } : {}), fromMs: p.from * 1000, toMs: p.to * 1000, limit: MAX_ROWS });
  if (rows.length > MAX_ROWS) throw new ProtocolError(ErrorCode.processing, 'Search returned too many results - please confine your search parameters');
  const user = loggedIn(conn).user;
  // As openvocs: `uri` relative to `<origin>/audio/` (what its player prepends), times as SQL TIMESTAMP text in UTC.
  const out = rows.map((t) => ({
    id: String(t.id),
    uri: rec.links.uri(t.id, user).slice(RECORDINGS_PREFIX.length),
    loop: p.loop,
    starttime: sqlTimestamp(t.startMs),
    endtime: sqlTimestamp(t.endMs),
  }));
  // openvocs answers this one event with a bare array (docs/openvocs-protocol.md §10).
  return out as unknown as JsonObject;
}

async function recordSwitch(ctx: HandlerContext, on: boolean): Promise<JsonObject> {
  const { loop } = paramsOf(on ? 'record_start' : 'record_stop', ctx.request.parameter);
  const scope = requireAdmin(ctx.services, ctx.conn, loopScope(ctx.services, ctx.conn, loop) ?? loggedIn(ctx.conn).scope);
  requireLoop(ctx.services, scope, loop);
  await recording(ctx.services).setRecorded(loggedIn(ctx.conn).user, scope, loop, on);
  return {};
}

function getRecordedLoops({ conn, services }: HandlerContext): JsonObject {
  const login = loggedIn(conn);
  const rec = recording(services);
  // Admins see every recorded loop of the scopes they administer; operators those their role may monitor.
  const adminOf = services.directory.adminScopes(login.user);
  const visible = adminOf.length > 0 ? adminOf.flatMap((scope) => rec.recordedLoopIds(scope)) : rec.recordedLoopIds(login.scope).filter((id) => mayMonitor(services, conn, id));
  return { result: [...new Set(visible)].map((loop) => ({ loop })) };
}

/** Ducks every live loop of the socket; returns the function that restores the stored volumes. */
function duckLiveLoops(services: Services, conn: Connection): () => void {
  const { login, role } = authorizedRole(conn);
  const apply = (factor: number) => {
    for (const [loopId, state] of conn.loopStates) {
      const volume = services.state.loopSetting(login.user, role, loopId).volume;
      conn.media?.setLoop(mediaLoop(services, conn, loopId), state, Math.round(volume * factor));
    }
  };
  apply(DUCK_FACTOR);
  return () => {
    if (!conn.closed) apply(1);
  };
}

function replay({ conn, request, services }: HandlerContext): JsonObject {
  const p = paramsOf('replay', request.parameter);
  const { login, role } = authorizedRole(conn);
  if (!mayMonitor(services, conn, p.loop)) throw ProtocolError.permission(`no monitor right for loop ${p.loop}`);
  const rec = recording(services);
  rec.stopReplay(conn.id);
  const volume = services.state.loopSetting(login.user, role, p.loop).volume;
  const restore = duckLiveLoops(services, conn);
  const outcome = rec.replay(conn.id, login.scope, p.loop, p.seconds, volume > 0 ? volume : 50, () => {
    restore();
    if (!conn.closed) conn.send(push('replay_end', 'unicast', { loop: p.loop }));
  });
  if (!outcome.ok) {
    restore();
    if (outcome.reason === 'no-media') throw ProtocolError.parameter('loop', 'no media session: request media first');
    throw ProtocolError.parameter('loop', outcome.reason === 'not-recorded' ? `loop ${p.loop} is not recorded` : 'nothing was said in the last 30 s');
  }
  void rec.rights.audit(login.user, 'recording_replay', scopeKey(login.scope), { type: 'loop', id: p.loop }, `instant replay from ${new Date(outcome.fromMs).toISOString()}`);
  return { loop: p.loop, from: outcome.fromMs, duration_ms: outcome.durationMs };
}

function replayStop({ conn, services }: HandlerContext): JsonObject {
  return { stopped: recording(services).stopReplay(conn.id) };
}

async function search({ conn, request, services }: HandlerContext): Promise<JsonObject> {
  const p = paramsOf('recording_search', request.parameter);
  let scope: Scope | undefined;
  for (const loop of p.loops) scope = requirePlayback(services, conn, loop);
  if (!scope) throw ProtocolError.parameter('loops', 'no loop');
  const rec = recording(services);
  const limit = p.limit ?? 200;
  const user = loggedIn(conn).user;
  const rows = rec.recorder.repo.search({ loops: p.loops.map((l) => busLoopKey(scope, l)), ...(p.user ? { user: p.user } : {}), fromMs: p.from, toMs: p.to, limit });
  await rec.rights.audit(user, 'recording_search', scopeKey(scope), { type: 'loops', id: p.loops.join(',') }, `searched ${p.loops.join(',')} ${new Date(p.from).toISOString()}..${new Date(p.to).toISOString()}`);
  const talks = rows.slice(0, limit).map((t) => ({
    id: t.id, loop: storedLoopId(t.loop), user: t.user, role: t.role, start: t.startMs, end: t.endMs, uri: rec.links.uri(t.id, user), pseudonymised: t.pseudonymised,
  }));
  return { talks, more: rows.length > limit };
}

function mix({ conn, request, services }: HandlerContext): JsonObject {
  const p = paramsOf('recording_mix', request.parameter);
  let scope: Scope | undefined;
  for (const loop of p.loops) scope = requirePlayback(services, conn, loop);
  if (!scope) throw ProtocolError.parameter('loops', 'no loop');
  const format = p.format ?? 'opus';
  if (p.to <= p.from || p.to - p.from > MAX_MIX_MS[format]) throw ProtocolError.parameter('to', `range must be 1 ms to ${MAX_MIX_MS[format] / 60_000} min for ${format}`);
  const spec = { format, loops: p.loops.map((l) => busLoopKey(scope, l)), fromMs: p.from, toMs: p.to };
  return { uri: recording(services).links.mixUri(spec, loggedIn(conn).user), duration_ms: p.to - p.from };
}

async function settings({ conn, request, services }: HandlerContext): Promise<JsonObject> {
  const p = paramsOf('recording_settings', request.parameter);
  const scope = adminScope(services, conn, p.scope);
  const rec = recording(services);
  const key = scopeKey(scope);
  if (p.retention_days !== undefined) await rec.rights.setRetention(loggedIn(conn).user, key, p.retention_days);
  const holds = rec.recorder.repo.holds(key).map((h) => ({ id: h.id, loop: h.loop ? storedLoopId(h.loop) : null, from: h.fromMs, to: h.toMs, reason: h.reason, by: h.by }));
  return { retention_days: rec.rights.retentionDays(key), holds, recorded: rec.recordedLoopIds(scope) };
}

async function hold({ conn, request, services }: HandlerContext): Promise<JsonObject> {
  const p = paramsOf('recording_hold', request.parameter);
  const scope = adminScope(services, conn, p.scope);
  if (p.loop !== undefined) requireLoop(services, scope, p.loop);
  if (p.to < p.from) throw ProtocolError.parameter('to', 'must not be before from');
  const created = await recording(services).rights.addHold(loggedIn(conn).user, {
    scope: scopeKey(scope), loop: p.loop === undefined ? undefined : busLoopKey(scope, p.loop), fromMs: p.from, toMs: p.to, reason: p.reason,
  });
  return { id: created.id };
}

async function holdRelease({ conn, request, services }: HandlerContext): Promise<JsonObject> {
  const p = paramsOf('recording_hold_release', request.parameter);
  const scope = adminScope(services, conn, p.scope);
  const rec = recording(services);
  if (!rec.recorder.repo.holds(scopeKey(scope)).some((h) => h.id === p.id)) return { released: false };
  return { released: (await rec.rights.removeHold(loggedIn(conn).user, p.id)) !== undefined };
}

/** Erasure and export reach every scope the caller administers. */
function adminScopeKeys(services: Services, conn: Connection): Set<string> {
  adminScope(services, conn);
  return new Set(services.directory.adminScopes(loggedIn(conn).user).map(scopeKey));
}

async function eraseUser({ conn, request, services }: HandlerContext): Promise<JsonObject> {
  const p = paramsOf('recording_erase_user', request.parameter);
  return { ...(await recording(services).rights.eraseUser(loggedIn(conn).user, p.user, adminScopeKeys(services, conn))) };
}

async function exportUser({ conn, request, services }: HandlerContext): Promise<JsonObject> {
  const p = paramsOf('recording_export_user', request.parameter);
  return { ...(await recording(services).rights.exportUser(loggedIn(conn).user, p.user, adminScopeKeys(services, conn))) };
}

export const recorderHandlers: HandlerTable = {
  get_recording: { auth: 'login', handle: getRecording },
  record_start: { auth: 'login', handle: (ctx) => recordSwitch(ctx, true) },
  record_stop: { auth: 'login', handle: (ctx) => recordSwitch(ctx, false) },
  get_recorded_loops: { auth: 'login', handle: getRecordedLoops },
  replay: { auth: 'role', handle: replay },
  replay_stop: { auth: 'role', handle: replayStop },
  recording_search: { auth: 'login', handle: search },
  recording_mix: { auth: 'login', handle: mix },
  recording_settings: { auth: 'login', handle: settings },
  recording_hold: { auth: 'login', handle: hold },
  recording_hold_release: { auth: 'login', handle: holdRelease },
  recording_erase_user: { auth: 'login', handle: eraseUser },
  recording_export_user: { auth: 'login', handle: exportUser },
};
