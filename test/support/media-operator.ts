// A simulated operator for media tests: the signaling protocol client plus a Node WebRTC client,
// set up exactly like a keyset (login → authorize → media request/answer/trickle → media_ready).
// Like the keyset it follows `media_lost` (docs/protocol.md): it sets media up again by itself.
import { ProtocolClient } from './protocol-client.js';
import { WebRtcTestClient, type WebRtcTestClientOptions } from '../../testkit/webrtc-client.js';

export interface OperatorOptions extends WebRtcTestClientOptions {
  /** Rewrites each server candidate before the client sees it (e.g. to route media through a relay). */
  serverCandidate?: (candidate: string) => string;
  /**
   * Rewrites each of the client's own candidates (trickled or in its answer) before the server sees
   * it; undefined withholds it, so the server learns the client only from its connectivity checks.
   */
  clientCandidate?: (candidate: string) => string | undefined;
}

export class Operator {
  /** `media_lost` pushes received, oldest first. */
  readonly losses: Array<{ reason: string; description: string }> = [];
  /** Media set-ups completed after a loss. */
  reestablished = 0;
  private client: WebRtcTestClient;
  private sending = false;
  private closed = false;

  private constructor(
    readonly signaling: ProtocolClient,
    private readonly options: OperatorOptions,
    readonly name: string,
  ) {
    this.client = this.newClient();
    signaling.library.on('candidate', (c) => {
      const candidate = options.serverCandidate ? options.serverCandidate(c.candidate) : c.candidate;
      this.client.addRemoteCandidate({ candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex });
    });
    signaling.library.on('media_lost', (loss) => {
      this.losses.push(loss);
      void this.reestablish();
    });
  }

  /** The fixture's passwords equal the user names; pass `password` for other directories. */
  static async connect(apiUrl: string, user: string, role: string, options: OperatorOptions = {}, password = user): Promise<Operator> {
    const signaling = await ProtocolClient.connect(apiUrl);
    await signaling.loginAs(user, password, role);
    await signaling.ok('role_loops');
    const operator = new Operator(signaling, options, user);
    await operator.setUpMedia();
    return operator;
  }

  /** The current WebRTC client (a new one after each `media_lost`). */
  get media(): WebRtcTestClient {
    return this.client;
  }

  startSending(): void {
    this.sending = true;
    this.client.startSending();
  }

  stopSending(): void {
    this.sending = false;
    this.client.stopSending();
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
    this.closed = true;
    this.client.close();
    this.signaling.close();
  }

  private newClient(): WebRtcTestClient {
    return new WebRtcTestClient({
      name: this.name,
      ...this.options,
      onLocalCandidate: (local) => {
        const candidate = this.options.clientCandidate ? this.options.clientCandidate(local.candidate) : local.candidate;
        if (candidate === undefined) return;
        void this.signaling.request('candidate', { ...local, candidate }).catch(() => undefined);
      },
    });
  }

  private async setUpMedia(): Promise<void> {
    const media = this.client;
    const ready = this.signaling.received.length;
    const offer = await this.signaling.ok('media', { type: 'request' });
    const answer = this.answerCandidates(await media.answer(String(offer.sdp)));
    await this.signaling.ok('media', { type: 'answer', sdp: answer });
    media.startConnectivity();
    await this.signaling.ok('end_of_candidates');
    await this.signaling.waitFor((m) => m.event === 'media_ready' && this.signaling.received.indexOf(m) >= ready, 10_000);
    await media.waitConnected(10_000);
  }

  private answerCandidates(sdp: string): string {
    const rewrite = this.options.clientCandidate;
    if (!rewrite) return sdp;
    const lines: string[] = [];
    for (const line of sdp.split('\r\n')) {
      if (!line.startsWith('a=candidate:')) lines.push(line);
      else {
        const candidate = rewrite(line.slice(2));
        if (candidate !== undefined) lines.push(`a=${candidate}`);
      }
    }
    return lines.join('\r\n');
  }

  private async reestablish(): Promise<void> {
    if (this.closed) return;
    this.client.close();
    this.client = this.newClient();
    try {
      await this.setUpMedia();
    } catch {
      return; // the test that caused the loss sees it: no media_ready, no audio
    }
    if (this.sending) this.client.startSending();
    this.reestablished++;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
