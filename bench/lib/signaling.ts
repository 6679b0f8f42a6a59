// The load tool's signaling connection: the protocol client library (src/protocol/client) on a `ws` socket, every
// reply's latency recorded per event name. No message history, so hundreds of long-running operators stay cheap.
import WebSocket from 'ws';
import { ProtocolClient } from '../../src/protocol/client/index.js';
import type { SeriesRecorder } from './stats.js';

/** Opens the socket; self-signed certificates are accepted (benchmark servers use them). */
export function connectSignaling(url: string, replyMs?: SeriesRecorder): Promise<ProtocolClient> {
  const ws = new WebSocket(url, { rejectUnauthorized: false, perMessageDeflate: false });
  ws.on('error', () => undefined); // an error also closes the socket; the client rejects what is pending
  return ProtocolClient.open(ws, { timeoutMs: 15_000, ...(replyMs ? { onReply: (event, ms) => replyMs.add(event, ms) } : {}) });
}
