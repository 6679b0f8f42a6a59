// A simulated operator for media tests: the signaling protocol client plus a Node WebRTC client,
// set up exactly like a keyset (login → authorize → media request/answer/trickle → media_ready).
import { ProtocolClient } from './protocol-client.js';
import { WebRtcTestClient, type WebRtcTestClientOptions } from './webrtc-client.js';

export class Operator {
  private constructor(
    readonly signaling: ProtocolClient,
    readonly media: WebRtcTestClient,
    readonly name: string,
  ) {}

  /** The fixture's passwords equal the user names; pass `password` for other directories. */
  static async connect(apiUrl: string, user: string, role: string, options: WebRtcTestClientOptions = {}, password = user): Promise<Operator> {
    const signaling = await ProtocolClient.connect(apiUrl);
    await signaling.loginAs(user, password, role);
    await signaling.ok('role_loops');
    const media = new WebRtcTestClient({
      name: user,
      ...options,
      onLocalCandidate: (candidate) => {
        void signaling.request('candidate', { ...candidate }).catch(() => undefined);
      },
    });
    signaling.library.on('candidate', (c) => media.addRemoteCandidate({ candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex }));
    const offer = await signaling.ok('media', { type: 'request' });
    const answer = await media.answer(String(offer.sdp));
    await signaling.ok('media', { type: 'answer', sdp: answer });
    media.startConnectivity();
    await signaling.ok('end_of_candidates');
    await signaling.waitFor((m) => m.event === 'media_ready', 10_000);
    await media.waitConnected(10_000);
    return new Operator(signaling, media, user);
  }

  switch(loop: string, state: 'none' | 'recv' | 'send'): Promise<Record<string, unknown>> {
    return this.signaling.ok('switch_loop_state', { loop, state });
  }

  volume(loop: string, volume: number): Promise<Record<string, unknown>> {
    return this.signaling.ok('switch_loop_volume', { loop, volume });
  }

  talk(loop: string, talking: boolean): Promise<Record<string, unknown>> {
    return this.signaling.ok('talking', { loop, state: talking });
  }

  close(): void {
    this.media.close();
    this.signaling.close();
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
