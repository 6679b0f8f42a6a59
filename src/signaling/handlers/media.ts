// media, candidate, end_of_candidates: signaling for the client's one WebRTC session (docs/openvocs-protocol.md §4).
import type { MediaSession } from '../../media/control.js';
import { EdgeError } from '../../media/edge/edge-error.js';
import { limitedLog } from '../../log/log-limiter.js';
import { push, type JsonObject } from '../../protocol/envelope.js';
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import { paramsOf } from '../../protocol/schemas.js';
import { loopIdOf } from '../../directory/loop-key.js';
import type { Connection } from '../connection.js';
import type { HandlerContext, HandlerTable, Services } from '../services.js';
import { authorizedRole } from './guards.js';
import { mediaSetupTimer } from '../../log/media-lifecycle.js';
import { mediaLoop, setTalking } from './loop-effects.js';

function currentSession(conn: Connection): MediaSession {
  if (!conn.media) throw new ProtocolError(ErrorCode.sessionUnknown, 'no media session; send media {type:"request"} first');
  return conn.media;
}

function openSession(services: Services, conn: Connection): MediaSession {
  const { login, role } = authorizedRole(conn);
  conn.media?.close();
  conn.media = undefined;
  const session = services.media.openSession({ connectionId: conn.id, user: login.user, role, client: conn.clientId });
  conn.media = session;
  const setup = mediaSetupTimer(services, conn.id);
  session.on('candidate', (candidate) => {
    if (conn.media === session) conn.send(push('candidate', 'unicast', { ...candidate }));
  });
  session.on('ready', () => {
    if (conn.media !== session) return;
    // Switches made before media was up take effect now (docs/openvocs-protocol.md §5).
    for (const [loopId, state] of conn.loopStates) {
      session.setLoop(mediaLoop(services, conn, loopId), state, services.state.loopSetting(login.user, role, loopId).volume);
    }
    for (const loopId of conn.talking) session.setTalking(mediaLoop(services, conn, loopId), true);
    conn.send(push('media_ready', 'unicast', {}));
    setup.ready();
  });
  session.on('talkReleased', (loop) => {
    if (conn.media !== session) return;
    setTalking(services, conn, loopIdOf(loop.key), false);
  });
  session.on('closed', (loss) => {
    if (conn.media !== session) return;
    conn.media = undefined;
    setup.closed();
    limitedLog(services.log).info({ conn: conn.id, code: loss.code, reason: loss.description }, 'media session lost');
    // Loopcast extension (docs/protocol.md): the client sets media up again; openvocs clients ignore it.
    conn.send(push('media_lost', 'unicast', { reason: loss.code.slice(0, 32), description: loss.description.slice(0, 256) }));
  });
  return session;
}

/**
 * What the edge refused in the client's input becomes 1008 (2002 when the session is gone) with one
 * rate-limited warning line; anything else stays an internal error for the dispatcher.
 */
function refused(services: Services, conn: Connection, err: unknown): unknown {
  if (!(err instanceof EdgeError)) return err;
  const field = err.code === 'bad-candidate' ? 'candidate' : err.code === 'bad-sdp' ? 'sdp' : err.code === 'bad-state' ? 'type' : undefined;
  if (err.code === 'closed') return new ProtocolError(ErrorCode.sessionUnknown, 'the media session has ended; send media {type:"request"}');
  if (field === undefined) return err;
  limitedLog(services.log).warn({ conn: conn.id, address: conn.remoteAddress, problem: err.message }, `media ${field} refused`);
  return ProtocolError.parameter(field, err.message);
}

async function media({ conn, request, services }: HandlerContext): Promise<JsonObject> {
  const params = paramsOf('media', request.parameter);
  if (params.type === 'request') {
    const sdp = await openSession(services, conn).offer();
    return { type: 'offer', sdp };
  }
  try {
    await currentSession(conn).answer(params.sdp);
  } catch (err) {
    throw refused(services, conn, err);
  }
  return {};
}

/** openvocs echoes the candidate, with a numeric sdpMid (seen in the wire trace). */
function candidate({ conn, request, services }: HandlerContext): JsonObject {
  const params = paramsOf('candidate', request.parameter);
  const session = currentSession(conn);
  // mDNS, TCP and end-of-candidates markers are ignored and answered as usual (edge/remote-check.ts).
  try {
    session.addCandidate(params);
  } catch (err) {
    throw refused(services, conn, err);
  }
  const echo: JsonObject = { ...params };
  if (params.sdpMid !== undefined && /^\d+$/.test(params.sdpMid)) echo.sdpMid = Number(params.sdpMid);
  return echo;
}

export const mediaHandlers: HandlerTable = {
  media: { auth: 'role', handle: media },
  candidate: { auth: 'role', handle: candidate },
  end_of_candidates: {
    auth: 'role',
    handle: ({ conn }) => {
      currentSession(conn).endOfCandidates();
      return {};
    },
  },
};
