// Wires one edge session to one test client in-process (the signaling a server would relay).
import type { EdgeSession } from '../../src/media/edge/edge-session.js';
import type { WebRtcEdge } from '../../src/media/edge/webrtc-edge.js';
import { WebRtcTestClient } from '../../testkit/webrtc-client.js';
import type { WebRtcTestClientOptions } from '../../testkit/webrtc-client.js';

export interface Pair {
  session: EdgeSession;
  client: WebRtcTestClient;
  offer: string;
  close(): void;
}

export async function connectPair(edge: WebRtcEdge, opts: WebRtcTestClientOptions = {}, timeoutMs = 8000): Promise<Pair> {
  const session = edge.createSession();
  const client = new WebRtcTestClient({ ...opts, onLocalCandidate: (c) => session.addRemoteCandidate(c) });
  session.on('localCandidate', (c) => client.addRemoteCandidate(c));
  const sessionUp = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('edge session not connected in time')), timeoutMs);
    session.once('connected', () => {
      clearTimeout(timer);
      resolve();
    });
    session.once('failed', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  try {
    const offer = await session.createOffer();
    const answer = await client.answer(offer);
    await session.setAnswer(answer);
    client.startConnectivity();
    await Promise.all([sessionUp, client.waitConnected(timeoutMs)]);
    return {
      session,
      client,
      offer,
      close: () => {
        client.close();
        session.close();
      },
    };
  } catch (err) {
    client.close();
    session.close();
    throw err;
  }
}
