// One WebRTC media session with one backend (docs/openvocs-protocol.md §4, §9): the server offers, we answer with our
// microphone track (muted until push-to-talk), trickle candidates, and wait for the `media_ready` push.
import type { PushMessage } from '../logic/envelope.js';
import type { StatsSample } from '../logic/quality.js';
import type { ProtocolSocket } from './socket.js';

export class MediaSession {
  private readonly pc = new RTCPeerConnection();
  private track: MediaStreamTrack | undefined;
  private closed = false;
  ready = false;
  remote: MediaStream | undefined;
  onRemote: (stream: MediaStream) => void = () => {};
  onState: () => void = () => {};
  private readyWaiters: Array<() => void> = [];

  /** `microphone`: a clone of the operator's mic track for this backend alone (its own enabled flag). */
  constructor(
    private readonly socket: ProtocolSocket,
    microphone: MediaStreamTrack | undefined,
  ) {
    this.track = microphone;
    if (this.track) this.track.enabled = false;
    this.pc.ontrack = (e) => {
      lowLatencyReceiver(e.receiver);
      this.remote = e.streams[0] ?? new MediaStream([e.track]);
      this.onRemote(this.remote);
    };
    this.pc.onicecandidate = (e) => {
      const c = e.candidate;
      // Candidates are best effort: a lost one only narrows ICE's choice; the socket's close handles outages.
      if (c) void this.socket.request('candidate', { candidate: c.candidate, sdpMid: c.sdpMid ?? '0', sdpMLineIndex: c.sdpMLineIndex ?? 0, ufrag: c.usernameFragment ?? '' }).catch(() => {});
      else void this.socket.request('end_of_candidates').catch(() => {});
    };
    this.pc.onconnectionstatechange = () => this.onState();
  }

  get connectionState(): RTCPeerConnectionState {
    return this.pc.connectionState;
  }

  get flowing(): boolean {
    return this.ready && this.pc.connectionState === 'connected';
  }

  async start(): Promise<void> {
    const offer = await this.socket.request('media', { type: 'request' });
    if (typeof offer.sdp !== 'string') throw new Error('media: offer without sdp');
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
    if (this.track) this.pc.addTrack(this.track, new MediaStream([this.track]));
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    await this.socket.request('media', { type: 'answer', sdp: answer.sdp ?? '' });
  }

  /** Media pushes of this socket: server candidates and `media_ready`. */
  handlePush(push: PushMessage): void {
    if (push.event === 'media_ready') {
      this.ready = true;
      for (const wake of this.readyWaiters.splice(0)) wake();
      this.onState();
    } else if (push.event === 'candidate' && typeof push.parameter.candidate === 'string') {
      const p = push.parameter;
      this.pc
        .addIceCandidate({ candidate: p.candidate as string, sdpMid: typeof p.sdpMid === 'string' || typeof p.sdpMid === 'number' ? String(p.sdpMid) : '0', sdpMLineIndex: typeof p.sdpMLineIndex === 'number' ? p.sdpMLineIndex : 0 })
        .catch(() => {}); // a duplicate of a candidate in the offer: harmless
    }
  }

  /** Resolves at `media_ready`; rejects after `timeoutMs` or when the session closes first. */
  whenReady(timeoutMs: number): Promise<void> {
    if (this.ready) return Promise.resolve();
    if (this.closed) return Promise.reject(new Error('media closed'));
    return new Promise((resolve, reject) => {
      const timer = window.setTimeout(() => reject(new Error('media_ready: timeout')), timeoutMs);
      this.readyWaiters.push(() => {
        window.clearTimeout(timer);
        if (this.ready) resolve();
        else reject(new Error('media closed'));
      });
    });
  }

  /** The microphone clone is live (a device that is unplugged or denied ends it). */
  get microphoneLive(): boolean {
    return this.track?.readyState === 'live';
  }

  /** Microphone on the wire or muted (track.enabled: muted tracks send silence/DTX, no renegotiation). */
  setTransmit(on: boolean): void {
    if (this.track) this.track.enabled = on;
  }

  /** Replaces the microphone (device change) without renegotiation. */
  async replaceMicrophone(track: MediaStreamTrack | undefined): Promise<void> {
    const enabled = this.track?.enabled ?? false;
    this.track?.stop();
    this.track = track;
    if (track) track.enabled = enabled;
    const sender = this.pc.getSenders().find((s) => s.track?.kind === 'audio' || s.track === null);
    if (sender) await sender.replaceTrack(track ?? null);
  }

  async stats(): Promise<StatsSample | undefined> {
    if (this.closed) return undefined;
    const report = await this.pc.getStats();
    const sample: StatsSample = { packetsReceived: 0, packetsLost: 0 };
    let found = false;
    report.forEach((s: Record<string, unknown>) => {
      if (s.type === 'inbound-rtp' && s.kind === 'audio') {
        found = true;
        sample.packetsReceived = Number(s.packetsReceived ?? 0);
        sample.packetsLost = Number(s.packetsLost ?? 0);
        if (typeof s.jitter === 'number') sample.jitter = s.jitter;
      } else if (s.type === 'candidate-pair' && s.nominated === true && typeof s.currentRoundTripTime === 'number') {
        sample.rtt = s.currentRoundTripTime;
      }
    });
    return found ? sample : undefined;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const wake of this.readyWaiters.splice(0)) wake();
    this.track?.stop();
    this.pc.close();
  }
}

/**
 * Asks the browser for its smallest jitter buffer (RTCRtpReceiver.jitterBufferTarget = 0 ms): the
 * server already smooths talker jitter, and every extra 20 ms here is 20 ms before the operator hears
 * the talker. The browser still grows the buffer by itself when the downlink is jittery.
 */
function lowLatencyReceiver(receiver: RTCRtpReceiver): void {
  const r = receiver as RTCRtpReceiver & { jitterBufferTarget?: number | null };
  if ('jitterBufferTarget' in r) r.jitterBufferTarget = 0;
}
