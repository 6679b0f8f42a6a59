// One WebRTC client of the edge: one PeerConnection with one sendrecv Opus track. The server
// offers; candidates trickle both ways. Lifecycle: new → offered → answered → connected, and
// failed/closed from anywhere; close() is idempotent and always emits 'close' exactly once.
import { EventEmitter } from 'node:events';
import type { LocalCandidate, RemoteCandidate } from '../control.js';
import { isRtcp, parseRtp, serializeRtp } from '../rtp.js';
import type { RtpPacket } from '../rtp.js';
import {
  announceCandidate,
  firstSighting,
  isMdnsCandidate,
  rewriteSdpCandidates,
  sdpAttribute,
} from './candidates.js';
import { checkAnswerSdp, checkRemoteCandidate } from './remote-check.js';
import { EdgeError } from './edge-error.js';
import { guard, native, wireCleanup } from '../webrtc-native.js';
import type { Audio, PeerConnection, Track } from '../webrtc-native.js';
import type { Direction } from 'node-datachannel';
import { UplinkSwitch } from './uplink-switch.js';
import { AUDIO_MID, MAX_PENDING_CANDIDATES, OPUS_FMTP, OPUS_PAYLOAD_TYPE } from './session-types.js';
import type { EdgeSessionConfig, EdgeSessionEvents, EdgeSessionState, EdgeSessionStats } from './session-types.js';

export class EdgeSession extends EventEmitter<EdgeSessionEvents> {
  readonly id: string;
  /** The SSRC of this session's downlink (what the client receives). */
  readonly ssrc: number;
  readonly stats: EdgeSessionStats = {
    rtpIn: 0,
    rtcpIn: 0,
    bytesIn: 0,
    droppedIn: 0,
    rtpOut: 0,
    bytesOut: 0,
    droppedOut: 0,
    remoteCandidates: 0,
    mdnsCandidatesDropped: 0,
  };
  /** Milliseconds from setAnswer() to 'connected' (ICE + DTLS handshake), once connected. */
  connectMs: number | undefined;

  private stateValue: EdgeSessionState = 'new';
  private readonly cfg: EdgeSessionConfig;
  private readonly pc: PeerConnection;
  private readonly track: Track;
  private readonly uplink: UplinkSwitch;
  private pending: RemoteCandidate[] = [];
  private pcConnected = false;
  private openPoll: NodeJS.Timeout | undefined;
  private answeredAt = 0;
  private localUfrag: string | undefined;
  /** The client's ICE ufrag, from its answer: candidates of another ICE session are refused. */
  private remoteUfrag: string | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private disconnectTimer: NodeJS.Timeout | undefined;
  private gatherWaiters: Array<() => void> = [];
  private readonly emittedCandidates = new Set<string>();
  /**
   * Local candidates are held until the answer is applied, and the offer carries none. Otherwise a
   * client can finish ICE before we know its answer; libdatachannel then drops its first DTLS packet
   * and the handshake waits for OpenSSL's 1 s retransmission (libdatachannel issue #1635).
   */
  private heldCandidates: LocalCandidate[] | undefined = [];

  /** Created by WebRtcEdge.createSession(). */
  constructor(cfg: EdgeSessionConfig) {
    super();
    this.cfg = cfg;
    this.id = cfg.id;
    this.ssrc = cfg.ssrc;
    this.pc = new native.PeerConnection(`edge-${cfg.id}`, cfg.rtcConfig);
    // Registered first: it is also what lets node-datachannel free the connection (see wireCleanup).
    this.pc.onStateChange(guard((state: string) => this.onPeerState(state), this.onFault));
    try {
      this.track = this.pc.addTrack(audioDescription(cfg, 'SendRecv'));
    } catch (err) {
      this.pc.close();
      throw new EdgeError('native', 'cannot create the audio track', { cause: err });
    }
    this.pc.onLocalCandidate(guard((candidate: string) => this.onLocalCandidate(candidate), this.onFault));
    // Gathering and the track's opening are polled during setup, not registered as callbacks: every
    // registered callback is a libuv async handle for the session's whole life, and each wake-up of
    // the main thread (every received packet of any session) scans all of them (docs/media.md).
    this.track.onMessage(guard((msg: Buffer) => this.onMessage(msg), this.onFault));
    wireCleanup(this.track);
    this.uplink = new UplinkSwitch(this.pc, (direction) => audioDescription(cfg, direction));
  }

  /**
   * Whether the client's uplink RTP is wanted (default yes). Unwanted packets are not emitted, and
   * once a few arrived the edge drops them natively, before they cost the main thread anything
   * (uplink-switch.ts); RTCP still arrives. Wanting it again takes effect for the next packet.
   */
  setUplink(wanted: boolean): void {
    if (this.closed) return;
    try {
      this.uplink.want(wanted);
    } catch (err) {
      this.fail(new EdgeError('native', `cannot switch the uplink: ${firstLine(err)}`, { cause: err }));
    }
  }

  /** Whether uplink RTP reaches this session natively now (false: dropped before JavaScript). */
  get uplinkOpen(): boolean {
    return this.uplink.open;
  }

  get state(): EdgeSessionState {
    return this.stateValue;
  }

  get closed(): boolean {
    return this.stateValue === 'closed';
  }

  /**
   * Creates the server's offer. Resolves once candidate gathering completes (host candidates on
   * the muxed port: a few ms), so the SDP carries all candidates and a=end-of-candidates; the same
   * candidates are also emitted as 'localCandidate' for trickle-style signaling.
   */
  async createOffer(): Promise<string> {
    this.expectState('new', 'createOffer');
    this.stateValue = 'offered';
    this.connectTimer = setTimeout(
      () => this.fail(new EdgeError('timeout', `not connected within ${this.cfg.connectTimeoutMs} ms`)),
      this.cfg.connectTimeoutMs,
    );
    try {
      this.pc.setLocalDescription('offer');
    } catch (err) {
      throw new EdgeError('native', 'cannot create the offer', { cause: err });
    }
    await this.gatheringDone();
    if (this.closed) throw new EdgeError('closed', 'session closed while creating the offer');
    const desc = this.pc.localDescription();
    if (!desc) throw new EdgeError('native', 'no local description after setLocalDescription');
    this.localUfrag ??= sdpAttribute(desc.sdp, 'ice-ufrag');
    return withoutCandidates(rewriteSdpCandidates(desc.sdp, this.cfg.announcedAddresses));
  }

  /**
   * Applies the client's answer. Rejects with EdgeError 'bad-sdp' when it fails the edge's checks
   * (remote-check.ts) or the stack refuses it. Candidate lines in it are checked and applied like
   * trickled ones; pending candidates of another ufrag are dropped.
   */
  setAnswer(sdp: string): Promise<void> {
    let candidates: string[];
    try {
      this.expectState('offered', 'setAnswer');
      const problem = checkAnswerSdp(sdp, AUDIO_MID);
      if (problem !== undefined) throw new EdgeError('bad-sdp', problem);
      this.remoteUfrag = sdpAttribute(sdp, 'ice-ufrag');
      candidates = this.answerCandidates(sdp);
      this.pc.setRemoteDescription(withoutCandidates(sdp), 'answer');
    } catch (err) {
      if (err instanceof EdgeError) return Promise.reject(err);
      return Promise.reject(new EdgeError('bad-sdp', `answer rejected by the WebRTC stack: ${firstLine(err)}`, { cause: err }));
    }
    this.stateValue = 'answered';
    this.answeredAt = performance.now();
    for (const c of this.pending.splice(0)) {
      if ('use' in checkRemoteCandidate(c.candidate, c.ufrag, this.remoteUfrag)) this.applyRemoteCandidate(c.candidate);
    }
    for (const c of candidates) this.applyRemoteCandidate(c);
    const held = this.heldCandidates ?? [];
    this.heldCandidates = undefined;
    for (const local of held) this.emit('localCandidate', local);
    this.checkConnected();
    return Promise.resolve();
  }

  /**
   * Adds one trickled client candidate. Throws EdgeError 'bad-candidate' when it fails the checks
   * (remote-check.ts). Returns false when it is ignored: empty (end-of-candidates marker), mDNS
   * ".local" (the edge cannot resolve it), TCP, RTCP component, or the session is closed.
   */
  addRemoteCandidate(c: RemoteCandidate): boolean {
    if (this.closed || this.stateValue === 'failed') return false;
    const verdict = checkRemoteCandidate(c.candidate, c.ufrag, this.remoteUfrag);
    if ('invalid' in verdict) throw new EdgeError('bad-candidate', verdict.invalid);
    if ('ignore' in verdict) {
      if (isMdnsCandidate(c.candidate)) this.stats.mdnsCandidatesDropped++;
      return false;
    }
    const text = verdict.use;
    if (this.stateValue === 'new' || this.stateValue === 'offered') {
      // libdatachannel throws on candidates without a remote description: keep them for later.
      if (this.pending.length >= MAX_PENDING_CANDIDATES) return false;
      this.pending.push({ ...c, candidate: text });
      return true;
    }
    return this.applyRemoteCandidate(text);
  }

  /** The client finished gathering. Nothing to do: libdatachannel keeps checking what it has. */
  endOfCandidates(): void {}

  /**
   * Sends one downlink packet as it is, under this session's SSRC and the Opus payload type.
   * Sequence numbers, timestamps and marker bits belong to the packetizer stage (media/downlink).
   * Returns false when not connected or the send failed.
   */
  sendRtp(packet: RtpPacket): boolean {
    if (this.stateValue !== 'connected') {
      this.stats.droppedOut++;
      return false;
    }
    const buf = serializeRtp({ ...packet, ssrc: this.ssrc, payloadType: OPUS_PAYLOAD_TYPE });
    let ok = false;
    try {
      ok = this.track.sendMessageBinary(buf);
    } catch {
      ok = false;
    }
    if (ok) {
      this.stats.rtpOut++;
      this.stats.bytesOut += buf.length;
    } else {
      this.stats.droppedOut++;
    }
    return ok;
  }

  /**
   * Sends one RTCP compound packet (our sender reports) on the track; libdatachannel protects it
   * as SRTCP on the muxed transport. Returns false when not connected or the send failed.
   */
  sendRtcp(packet: Buffer): boolean {
    if (this.stateValue !== 'connected') return false;
    try {
      return this.track.sendMessageBinary(packet);
    } catch {
      return false;
    }
  }

  /** Frees the PeerConnection (and its ICE agent, DTLS and SRTP state). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.stateValue = 'closed';
    clearTimeout(this.connectTimer);
    clearTimeout(this.disconnectTimer);
    clearTimeout(this.openPoll);
    this.pending = [];
    this.releaseGatherWaiters();
    try {
      this.track.close();
      this.pc.close();
    } catch {
      // Already torn down natively; nothing else holds resources.
    }
    this.emit('close');
  }

  /** A throw in one of this session's native callbacks ends this session, nothing else. */
  private readonly onFault = (err: unknown): void => {
    this.fail(new EdgeError('native', `media callback failed: ${firstLine(err)}`, { cause: err }));
  };

  private fail(err: EdgeError): void {
    if (this.closed || this.stateValue === 'failed') return;
    this.stateValue = 'failed';
    this.emit('failed', err);
    this.close();
  }

  private expectState(expected: EdgeSessionState, call: string): void {
    if (this.closed) throw new EdgeError('closed', `${call}: session is closed`);
    if (this.stateValue !== expected) throw new EdgeError('bad-state', `${call} in state ${this.stateValue}`);
  }

  /** The checked candidate lines of an answer; any invalid one refuses the whole answer. */
  private answerCandidates(sdp: string): string[] {
    const lines = sdp.split(/\r?\n/).filter((l) => l.startsWith('a=candidate:'));
    if (lines.length > MAX_PENDING_CANDIDATES) throw new EdgeError('bad-sdp', `more than ${MAX_PENDING_CANDIDATES} candidates`);
    const use: string[] = [];
    for (const line of lines) {
      const verdict = checkRemoteCandidate(line, undefined, this.remoteUfrag);
      if ('invalid' in verdict) throw new EdgeError('bad-sdp', `${line.slice(0, 80)}: ${verdict.invalid}`);
      if ('use' in verdict) use.push(verdict.use);
    }
    return use;
  }

  private applyRemoteCandidate(text: string): boolean {
    try {
      // One m-line, bundled: the client's sdpMid is always ours.
      this.pc.addRemoteCandidate(text, AUDIO_MID);
      this.stats.remoteCandidates++;
      return true;
    } catch {
      return false;
    }
  }

  private onLocalCandidate(candidate: string): void {
    if (this.closed) return;
    this.localUfrag ??= sdpAttribute(this.pc.localDescription()?.sdp ?? '', 'ice-ufrag');
    for (const text of announceCandidate(candidate, this.cfg.announcedAddresses)) {
      if (!firstSighting(this.emittedCandidates, text)) continue;
      const local: LocalCandidate = { candidate: text, sdpMid: AUDIO_MID, sdpMLineIndex: 0 };
      if (this.localUfrag !== undefined) local.ufrag = this.localUfrag;
      if (this.heldCandidates) this.heldCandidates.push(local);
      else this.emit('localCandidate', local);
    }
  }

  private onPeerState(state: string): void {
    if (this.closed) return;
    switch (state) {
      case 'connected':
        this.pcConnected = true;
        clearTimeout(this.disconnectTimer);
        this.disconnectTimer = undefined;
        this.checkConnected();
        break;
      case 'disconnected':
        // Consent freshness lapsed; libjuice may still recover, so give it a grace period.
        this.disconnectTimer ??= setTimeout(
          () => this.fail(new EdgeError('ice-failed', 'connection lost')),
          this.cfg.disconnectTimeoutMs,
        );
        break;
      case 'failed':
        this.fail(new EdgeError('ice-failed', 'ICE/DTLS failed'));
        break;
      case 'closed':
        // Not ours (close() unhooks first): DTLS ended underneath, e.g. by an alert that reached
        // OpenSSL (docs/media.md, "DTLS alerts"). The client must set media up again.
        this.fail(new EdgeError('transport-closed', 'DTLS closed under the session (alert or close_notify)'));
        break;
    }
  }

  private checkConnected(): void {
    if (this.stateValue !== 'answered' || !this.pcConnected) return;
    if (!this.track.isOpen()) {
      // SRTP keys follow DTLS within a few ms; the connect timeout bounds the wait.
      this.openPoll ??= setTimeout(() => {
        this.openPoll = undefined;
        this.checkConnected();
      }, SETUP_POLL_MS);
      return;
    }
    this.stateValue = 'connected';
    this.connectMs = performance.now() - this.answeredAt;
    clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    // The offer is long applied: the track's direction may now change locally.
    this.uplink.arm();
    this.emit('connected');
  }

  private onMessage(msg: Buffer): void {
    if (this.closed) return;
    if (isRtcp(msg)) {
      this.stats.rtcpIn++;
      this.emit('rtcp', msg);
      return;
    }
    const packet = parseRtp(msg);
    if (packet === undefined || packet.payloadType !== OPUS_PAYLOAD_TYPE) {
      this.stats.droppedIn++;
      return;
    }
    this.stats.rtpIn++;
    this.stats.bytesIn += msg.length;
    if (!this.uplink.wantedNow) {
      this.uplink.unwanted();
      return;
    }
    this.emit('rtp', packet, msg);
  }

  private gatheringDone(): Promise<void> {
    if (this.pc.gatheringState() === 'complete') return Promise.resolve();
    return new Promise((resolve) => {
      // With STUN servers configured gathering can stall; offer what we have after the timeout.
      const deadline = performance.now() + this.cfg.gatherTimeoutMs;
      let timer: NodeJS.Timeout | undefined;
      const check = (): void => {
        if (this.closed || this.pc.gatheringState() === 'complete' || performance.now() >= deadline) this.releaseGatherWaiters();
        else timer = setTimeout(check, SETUP_POLL_MS);
      };
      this.gatherWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
      timer = setTimeout(check, SETUP_POLL_MS);
    });
  }

  private releaseGatherWaiters(): void {
    for (const w of this.gatherWaiters.splice(0)) w();
  }
}

/** The session's one audio m-line; `direction` is ours (sendrecv as negotiated, sendonly to drop the uplink). */
function audioDescription(cfg: EdgeSessionConfig, direction: Direction): Audio {
  const audio = new native.Audio(AUDIO_MID, direction);
  audio.addOpusCodec(OPUS_PAYLOAD_TYPE, OPUS_FMTP);
  // libdatachannel routes RTP to tracks by SSRC, and browsers want a=ssrc/msid for the remote track.
  audio.addSSRC(cfg.ssrc, `loopcast-${cfg.id}`, 'loopcast', `downlink-${cfg.id}`);
  return audio;
}

/** How often setup polls gathering and the track's opening (each a few ms at most). */
const SETUP_POLL_MS = 2;

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n', 1)[0]?.slice(0, 200) ?? '';
}

/** The offer without candidate lines: candidates follow by trickle once the answer is applied. */
function withoutCandidates(sdp: string): string {
  return sdp
    .split(/\r?\n/)
    .filter((line) => !line.startsWith('a=candidate:') && line !== 'a=end-of-candidates')
    .join('\r\n');
}
