// The load tool's signaling connection: the protocol client library (src/protocol/client) on a `ws` socket, every
// reply's latency recorded per event name. No message history, so hundreds of long-running operators stay cheap.
import WebSocket from 'ws';
import { ProtocolClient } from '../../src/protocol/client/index.js';
import type { WebSocketLike } from '../../src/protocol/client/socket.js';
import type { SeriesRecorder } from './stats.js';

const LOOP_BROADCAST = Buffer.from('"type":"loop_broadcast"');
const REQUEST = Buffer.from('"request"');
const PARAMETER = Buffer.from('"parameter"');

/**
 * A loop broadcast (never a reply: replies echo the request): `switch_loop_state` with the loop's whole
 * participant list, `talking`, `vad`. The operators never read them, and with N operators on a loop every
 * switch sends N of them, each listing N participants: parsing them was half of the generator's JavaScript
 * time at 300 operators. Recognised in the raw frame, before decoding it to text; a backend that puts the
 * type further back than the first 256 bytes gets its broadcasts parsed as before.
 */
export function isLoopBroadcast(frame: Buffer): boolean {
  if (frame.subarray(0, 256).indexOf(LOOP_BROADCAST) < 0) return false;
  // A reply's "request" comes before the first "parameter" (its own, inside the request): searching up
  // to there, not through a push's long participant list, is enough.
  const parameter = frame.indexOf(PARAMETER);
  return frame.subarray(0, parameter < 0 ? frame.length : parameter).indexOf(REQUEST) < 0;
}

/** `ws` as the protocol client sees it, without the loop broadcasts. */
function withoutLoopBroadcasts(ws: WebSocket): WebSocketLike {
  const socket: WebSocketLike = {
    get readyState() {
      return ws.readyState;
    },
    send: (data: string) => ws.send(data),
    close: (code?: number, reason?: string) => ws.close(code, reason),
    addEventListener(type: 'message' | 'close' | 'open' | 'error', listener: (event: never) => void): void {
      if (type !== 'message') {
        ws.addEventListener(type, listener as never);
        return;
      }
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (isBinary || isLoopBroadcast(data)) return;
        (listener as (event: { data: unknown }) => void)({ data: data.toString('utf8') });
      });
    },
  };
  return socket;
}

/** Opens the socket; self-signed certificates are accepted (benchmark servers use them). */
export function connectSignaling(url: string, replyMs?: SeriesRecorder): Promise<ProtocolClient> {
  const ws = new WebSocket(url, { rejectUnauthorized: false, perMessageDeflate: false });
  ws.on('error', () => undefined); // an error also closes the socket; the client rejects what is pending
  return ProtocolClient.open(withoutLoopBroadcasts(ws), { timeoutMs: 15_000, ...(replyMs ? { onReply: (event, ms) => replyMs.add(event, ms) } : {}) });
}
