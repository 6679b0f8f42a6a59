// One simulated operator: a signaling client plus a WebRTC client, set up like a keyset does
// (docs/openvocs-protocol.md §4: login → get user → user_roles → authorize → media request/answer/trickle →
// media_ready → role_loops), then switching loops and talking on command. It records its setup
// time; reply latencies go to the shared recorder of the signaling client.
import type { LoopState, ProtocolClient } from '../../src/protocol/client/index.js';
import { answerFields, chromiumAnswer, chromiumCandidate } from './chromium-sdp.js';
import { connectSignaling } from './signaling.js';
import { MutedUplink } from '../../testkit/muted-uplink.js';
import type { SeriesRecorder } from './stats.js';
import { WebRtcClient } from '../../testkit/webrtc-client.js';
import type { LocalCandidate, PcmSource, WebRtcTestClientOptions } from '../../testkit/webrtc-client.js';

export type { LoopState };

export interface OperatorLogin {
  url: string;
  user: string;
  password: string;
  role: string;
}

export interface OperatorHooks {
  replyMs?: SeriesRecorder;
  onFrame?: WebRtcTestClientOptions['onFrame'];
  onRtp?: WebRtcTestClientOptions['onRtp'];
  decodeWhen?: WebRtcTestClientOptions['decodeWhen'];
  /** How long to wait for `media_ready` (ms); default 20 s. */
  mediaTimeoutMs?: number;
  /** Local address of the WebRTC client (default 127.0.0.1; another host needs a routable one). */
  bindAddress?: string;
  /**
   * While not talking, send what a muted Chromium keyset with Opus DTX sends (muted-uplink.ts) instead of
   * nothing; started at a random phase within `mutedPhaseMs`.
   */
  mutedUplink?: boolean;
  mutedPhaseMs?: number;
}

/**
 * How long the client leaves connectivity checks to the server before checking the server's candidates
 * itself (ms from applying the offer). The server checks the candidates we trickle right after the answer;
 * answering its check (and our triggered check back) completes its ICE before ours, so our DTLS
 * ClientHello never reaches it while its ICE is still checking. Checking first ourselves makes that race
 * common: libdatachannel 0.24.5 (the Loopcast edge) buffers such a hello, but DtlsTransport::start()
 * replays it before switching to `connecting`, the receive job it schedules returns early, and the hello
 * waits for the client's next datagram: our 1 s OpenSSL retransmission. Chromium meets the same race but
 * retransmits after max(50 ms, 2 × ICE RTT); this client cannot shorten its timer (docs/benchmarks.md,
 * "Setup time"). A backend that never checks us (ICE lite, or a client it cannot reach) costs this long.
 */
const SERVER_CHECKS_FIRST_MS = 500;

export class LoadOperator {
  /** Confirmed loop states (after the server's reply) and when each last changed. */
  readonly states = new Map<string, LoopState>();
  readonly changedAt = new Map<string, number>();
  private source: PcmSource | undefined;
  private muted: MutedUplink | undefined;

  private constructor(
    readonly user: string,
    readonly signaling: ProtocolClient,
    readonly media: WebRtcClient,
    /** socket open → `media_ready` with the track connected, ms. */
    readonly setupMs: number,
  ) {}

  static async connect(login: OperatorLogin, hooks: OperatorHooks = {}): Promise<LoadOperator> {
    const started = performance.now();
    const signaling = await connectSignaling(login.url, hooks.replyMs);
    let media: WebRtcClient | undefined;
    let operator: LoadOperator | undefined;
    try {
      // The openvocs web client's order (test/fixtures/openvocs-wire-log.jsonl): register first.
      await signaling.request('register', {});
      await signaling.request('login', { user: login.user, password: login.password });
      await signaling.request('get', { type: 'user', id: login.user });
      await signaling.request('user_roles');
      await signaling.request('authorize', { role: login.role });
      // Local candidates go out only after the answer, each with the answer's ufrag (openvocs closes the
      // socket on a candidate it cannot place); libdatachannel gathers them before it hands out the answer.
      const held: LocalCandidate[] = [];
      const sentAnswer: { ufrag?: string } = {};
      const sendCandidate = (c: LocalCandidate): void => {
        const u = sentAnswer.ufrag as string;
        void signaling.request('candidate', { candidate: chromiumCandidate(c.candidate, u), sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex, ufrag: u }).catch(() => undefined);
      };
      const client: WebRtcClient = new WebRtcClient({
        name: login.user,
        ringFrames: 0,
        ...(hooks.bindAddress ? { bindAddress: hooks.bindAddress } : {}),
        // Idle operators never start the send timer; talkers get their source via talk().
        source: (index) => operator?.source?.(index),
        ...(hooks.onFrame ? { onFrame: hooks.onFrame } : {}),
        ...(hooks.onRtp ? { onRtp: hooks.onRtp } : {}),
        ...(hooks.decodeWhen ? { decodeWhen: hooks.decodeWhen } : {}),
        onLocalCandidate: (candidate) => (sentAnswer.ufrag === undefined ? held.push(candidate) : sendCandidate(candidate)),
        // The server's connectivity check comes first; ours only if it has not connected us by then.
        holdCandidates: true,
        holdTimeoutMs: SERVER_CHECKS_FIRST_MS,
      });
      media = client;
      signaling.on('candidate', (c) => client.addRemoteCandidate({ candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex }));
      const ready = signaling.waitForPush('media_ready', hooks.mediaTimeoutMs ?? 20_000);
      ready.catch(() => undefined); // awaited below; avoid an unhandled rejection if an earlier step throws
      const offer = await signaling.request('media', { type: 'request' });
      if (!('sdp' in offer)) throw new Error('media: the server answered without an offer');
      const answer = chromiumAnswer(await client.answer(offer.sdp));
      const answered = signaling.request('media', { type: 'answer', sdp: answer });
      sentAnswer.ufrag = answerFields(answer).ufrag;
      for (const c of held.splice(0)) sendCandidate(c);
      await answered;
      await client.gatheringComplete();
      await signaling.request('end_of_candidates');
      await ready;
      await client.waitConnected(hooks.mediaTimeoutMs ?? 20_000);
      operator = new LoadOperator(login.user, signaling, client, performance.now() - started);
      if (hooks.mutedUplink) {
        operator.muted = new MutedUplink(client);
        operator.muted.start(Math.random() * (hooks.mutedPhaseMs ?? 420));
      }
      await signaling.request('role_loops');
      return operator;
    } catch (err) {
      media?.close();
      signaling.close();
      throw err;
    }
  }

  async switch(loop: string, state: LoopState): Promise<void> {
    // Changing from the moment it is asked for: probes spanning the change are void (fleet.ts).
    this.changedAt.set(loop, performance.now());
    await this.signaling.request('switch_loop_state', { loop, state });
    this.states.set(loop, state);
    this.changedAt.set(loop, performance.now());
  }

  /** Hears the loop now (state recv or send confirmed)? */
  monitors(loop: string): boolean {
    const s = this.states.get(loop);
    return s === 'recv' || s === 'send';
  }

  /** Starts talking on `loop` (must be in `send`): `talking` true, then the uplink from `source`. */
  async talk(loop: string, source: PcmSource): Promise<void> {
    await this.signaling.request('talking', { loop, state: true });
    this.muted?.stop();
    this.source = source;
    this.media.startSending();
  }

  async stopTalking(loop: string): Promise<void> {
    this.media.stopSending();
    this.source = undefined;
    this.muted?.start();
    await this.signaling.request('talking', { loop, state: false });
  }

  /** Logs out (best effort, bounded) and closes both connections. */
  /** DTX packets sent while muted (0 without `mutedUplink`). */
  get mutedPackets(): number {
    return this.muted?.sent ?? 0;
  }

  async close(): Promise<void> {
    this.muted?.stop();
    this.media.stopSending();
    if (this.signaling.isOpen) await this.signaling.request('logout', {}, { timeoutMs: 3000 }).catch(() => undefined);
    this.media.close();
    this.signaling.close();
  }
}
