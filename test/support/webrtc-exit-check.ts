// Child-process script for the teardown test: uses the edge and clients, closes everything, and
// then must exit on its own. Anything native left open (a thread-safe callback, a socket, a timer)
// keeps the event loop alive and the parent test times out.
import { WebRtcEdge } from '../../src/media/edge/webrtc-edge.js';
import { connectPair } from './webrtc-pair.js';

const edge = await WebRtcEdge.start({ port: 0, bindAddress: '127.0.0.1' });
for (let i = 0; i < 20; i++) {
  const s = edge.createSession();
  await s.createOffer();
  s.close();
}
for (let i = 0; i < 3; i++) (await connectPair(edge)).close();
const open = await connectPair(edge);
edge.close(); // cascades to the still-open session
open.client.close();
process.send?.('closed');
