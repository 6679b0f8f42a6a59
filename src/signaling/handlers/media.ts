// media, candidate, end_of_candidates: signaling for the client's one WebRTC session (docs/openvocs-protocol.md §4).
import type { MediaSession } from '../../media/control.js';
import { push, type JsonObject } from '../../protocol/envelope.js';
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import { paramsOf } from '../../protocol/schemas.js';
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
    setTalking(services, conn, loop.key.slice(loop.key.lastIndexOf('/') + 1), false);
  });
  session.on('closed', (reason) => {
    if (conn.media !== session) return;
    conn.media = undefined;
    setup.closed();
    services.log.info({ conn: conn.id, reason }, 'media session closed');
  });
  return session;
}

async function media({ conn, request, services }: HandlerContext): Promise<JsonObject> {
  const params = paramsOf('media', request.parameter);
  if (params.type === 'request') {
    const sdp = await openSession(services, conn).offer();
    return { type: 'offer', sdp };
  }
  await currentSession(conn).answer(params.sdp);
  return {};
}

/** openvocs echoes the candidate, with a numeric sdpMid (seen in the wire trace). */
function candidate({ conn, request }: HandlerContext): JsonObject {
  const params = paramsOf('candidate', request.parameter);
  const session = currentSession(conn);
  // mDNS candidates cannot be resolved by the server: drop them, answer as usual.
  if (!/\s[^\s]+\.local\s/.test(params.candidate)) session.addCandidate(params);
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
