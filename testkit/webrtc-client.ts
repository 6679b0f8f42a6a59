// A Node WebRTC client (node-datachannel) that behaves like a browser keyset for tests and the
// load tool: answers a server offer, trickles candidates through callbacks (signaling-agnostic),
// sends real Opus from a PCM source every 20 ms, and decodes the downlink into a PcmRing and/or
// hands each decoded frame to `onFrame`. It uses only the shared codec/RTP helpers of src/media,
// never server code, so the load tool can drive any openvocs-protocol backend.
import { EventEmitter } from 'node:events';
import { FRAME_MS, FRAME_SAMPLES, OpusFrameDecoder, OpusFrameEncoder } from '../src/media/opus.js';
import type { OpusEncoderOptions } from '../src/media/opus.js';
import { isRtcp, parseRtp, serializeRtp } from '../src/media/rtp.js';
import type { RtpPacket } from '../src/media/rtp.js';
import { SEQ_MOD, seqAdd, seqDiff, TS_MOD, tsAdd } from '../src/media/rtp/sequence.js';
import { guard, native, wireCleanup } from '../src/media/webrtc-native.js';
import type { PeerConnection, Track } from '../src/media/webrtc-native.js';
import type { LocalCandidate, RemoteCandidate } from '../src/protocol/candidates.js';
import { PcmRing } from './pcm-ring.js';
import type { ReceivedFrame } from './pcm-ring.js';

export type { LocalCandidate, RemoteCandidate } from '../src/protocol/candidates.js';

/** Returns the PCM for frame `index` (960 samples), or undefined to send nothing (DTX-like silence). */
export type PcmSource = (index: number) => Int16Array | undefined;

export interface WebRtcTestClientOptions {
  name?: string;
  /** Uplink SSRC; default random above the reserved range. */
  ssrc?: number;
  /** Default '127.0.0.1' so tests never gather real interfaces. */
  bindAddress?: string;
  source?: PcmSource;
  /** Percentage (0..100) of uplink packets dropped before sending; the sequence still advances. */
  lossPercent?: number;
  /** Random source for loss injection, for reproducible tests. */
  random?: () => number;
  encoder?: OpusEncoderOptions;
  /** Capacity of the received-audio ring, in 20 ms frames (default 500 = 10 s; 0 keeps nothing). */
  ringFrames?: number;
  /** Called with every decoded (or concealed) downlink frame, as it arrives. */
  onFrame?: (frame: ReceivedFrame) => void;
  /** Called with every downlink RTP packet and its arrival time (performance.now()). */
  onRtp?: (packet: RtpPacket, arrivedAt: number) => void;
  /**
   * Asked for every downlink packet (after onRtp): false leaves it undecoded (no PCM, no onFrame, no
   * concealment for a gap before it), to save the load tool's CPU between the moments it analyses.
   * Decoding then resumes on a decoder that missed those packets, like after a loss. Default: decode all.
   */
  decodeWhen?: (arrivedAt: number) => boolean;
  /**
   * Hold all server candidates (including those inside the offer) until startConnectivity(), or at
   * most `holdTimeoutMs` after answer(). Default true. Otherwise libdatachannel's client reaches the
   * server by ICE before the server has applied the answer; its DTLS ClientHello is then dropped and
   * resent only after OpenSSL's fixed 1 s timer. Call startConnectivity() once signaling confirmed
   * the answer (openvocs replies `{}` to it).
   */
  holdCandidates?: boolean;
  /** Safety net for callers that never call startConnectivity(); default 1000 ms. */
  holdTimeoutMs?: number;
  /** Called for every local candidate, e.g. to send it over signaling. */
  onLocalCandidate?: (candidate: LocalCandidate) => void;
}

export type WebRtcTestClientEvents = {
  localCandidate: [candidate: LocalCandidate];
  connected: [];
  rtp: [packet: RtpPacket];
  /** One decrypted RTCP compound packet from the server (its sender reports). */
  rtcp: [packet: Buffer];
  close: [];
};

const PAYLOAD_TYPE = 100;
// Concealment is capped so a long pause (DTX, source switch) never fills the ring with PLC.
const MAX_CONCEAL_FRAMES = 5;

export class WebRtcClient extends EventEmitter<WebRtcTestClientEvents> {
  readonly ssrc: number;
  readonly received: PcmRing;
  readonly stats = { sent: 0, dropped: 0, received: 0, concealed: 0, rtcp: 0, decodeErrors: 0, undecoded: 0 };
  private readonly opts: WebRtcTestClientOptions;
  private readonly pc: PeerConnection;
  private track: Track | undefined;
  private readonly encoder: OpusFrameEncoder;
  private readonly decoder = new OpusFrameDecoder();
  private pendingRemote: string[] = [];
  private remoteSet = false;
  private holding: boolean;
  private mid = '0';
  private connectedFlag = false;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private holdTimer: NodeJS.Timeout | undefined;
  private frameIndex = 0;
  private seq = Math.floor(Math.random() * SEQ_MOD);
  private ts = Math.floor(Math.random() * TS_MOD);
  private lastRxSeq: number | undefined;
  private ufrag: string | undefined;

  constructor(opts: WebRtcTestClientOptions = {}) {
    super();
    this.opts = opts;
    this.ssrc = opts.ssrc ?? 66001 + Math.floor(Math.random() * 0xfffe0000);
    this.received = new PcmRing(opts.ringFrames);
    this.holding = opts.holdCandidates ?? true;
    this.encoder = new OpusFrameEncoder(opts.encoder);
    this.pc = new native.PeerConnection(opts.name ?? 'test-client', {
      iceServers: [],
      bindAddress: opts.bindAddress ?? '127.0.0.1',
    });
    this.pc.onLocalCandidate(guard((candidate: string, mid: string) => this.onLocalCandidate(candidate, mid)));
    this.pc.onStateChange(guard((state: string) => state === 'connected' && this.checkConnected()));
  }

  get connected(): boolean {
    return this.connectedFlag;
  }

  /** Applies the server's offer and returns the answer SDP (candidates follow by trickle). */
  answer(offerSdp: string): Promise<string> {
    const mid = /^a=mid:(.+)$/m.exec(offerSdp)?.[1]?.trim() ?? '0';
    this.mid = mid;
    let offer = offerSdp;
    if (this.holding) {
      const lines = offerSdp.split(/\r?\n/);
      for (const l of lines) if (l.startsWith('a=candidate:')) this.pendingRemote.push(l.slice(2));
      offer = lines.filter((l) => !l.startsWith('a=candidate:') && l !== 'a=end-of-candidates').join('\r\n');
    }
    const audio = new native.Audio(mid, 'SendRecv');
    audio.addOpusCodec(PAYLOAD_TYPE, 'minptime=10;useinbandfec=1;usedtx=1');
    audio.addSSRC(this.ssrc, `client-${this.ssrc}`, 'client', `uplink-${this.ssrc}`);
    const track = this.pc.addTrack(audio);
    this.track = track;
    track.onOpen(guard(() => this.checkConnected()));
    track.onMessage(guard((msg: Buffer) => this.onMessage(msg)));
    wireCleanup(track);
    return new Promise((resolve, reject) => {
      this.pc.onLocalDescription(
        guard((sdp: string, type: string) => {
          if (type !== 'answer') return;
          this.ufrag = /^a=ice-ufrag:(.+)$/m.exec(sdp)?.[1]?.trim();
          resolve(sdp);
        }),
      );
      try {
        this.pc.setRemoteDescription(offer, 'offer');
        this.remoteSet = true;
        if (!this.holding) this.flushRemoteCandidates();
        else this.holdTimer = setTimeout(() => this.startConnectivity(), this.opts.holdTimeoutMs ?? 1000);
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  /** Applies the held server candidates (see holdCandidates); later ones are applied directly. */
  startConnectivity(): void {
    clearTimeout(this.holdTimer);
    this.holding = false;
    if (this.remoteSet) this.flushRemoteCandidates();
  }

  /** Adds a server candidate (queued until the offer is applied). Returns false if rejected. */
  addRemoteCandidate(c: RemoteCandidate): boolean {
    if (this.closed) return false;
    const text = c.candidate.startsWith('a=') ? c.candidate.slice(2) : c.candidate;
    if (!this.remoteSet || this.holding) {
      this.pendingRemote.push(text);
      return true;
    }
    try {
      this.pc.addRemoteCandidate(text, this.mid);
      return true;
    } catch {
      return false;
    }
  }

  /** The server side of the selected ICE candidate pair (undefined before ICE succeeds). */
  selectedRemote(): { address: string; port: number } | undefined {
    const pair = this.closed ? null : this.pc.getSelectedCandidatePair();
    return pair ? { address: pair.remote.address, port: pair.remote.port } : undefined;
  }

  /** Resolves once libdatachannel has gathered every local candidate (or the client closed). */
  gatheringComplete(timeoutMs = 5000): Promise<void> {
    if (this.closed || this.pc.gatheringState() === 'complete') return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs); // end_of_candidates anyway: the server may already have enough
      this.pc.onGatheringStateChange(
        guard((state: string) => {
          if (state !== 'complete') return;
          clearTimeout(timer);
          resolve();
        }),
      );
    });
  }

  /** Resolves once ICE + DTLS are up and the track is open. */
  waitConnected(timeoutMs = 5000): Promise<void> {
    if (this.connectedFlag) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`client not connected within ${timeoutMs} ms`)), timeoutMs);
      this.once('connected', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Starts the 20 ms uplink from `opts.source`. Deadline-based so timer lateness does not drift. */
  startSending(): void {
    if (this.timer || !this.opts.source) return;
    const start = performance.now();
    const first = this.frameIndex;
    const tick = (): void => {
      if (this.closed) return;
      this.sendFrame();
      const due = start + (this.frameIndex - first) * FRAME_MS;
      this.timer = setTimeout(tick, Math.max(0, due - performance.now()));
    };
    tick();
  }

  /**
   * Sends one already-encoded Opus packet (e.g. a muted browser's DTX/comfort-noise frame), outside the
   * PCM timer. `framesSkipped` frames were not sent before it (DTX): the RTP timestamp jumps over them
   * while the sequence number stays contiguous, as a DTX sender does (RFC 7587 §3.1.3).
   */
  sendEncoded(payload: Uint8Array, framesSkipped = 0): boolean {
    this.ts = tsAdd(this.ts, framesSkipped * FRAME_SAMPLES);
    const ts = this.ts;
    this.ts = tsAdd(this.ts, FRAME_SAMPLES);
    if (this.closed || !this.track?.isOpen()) return false;
    const seq = this.seq;
    this.seq = seqAdd(this.seq, 1);
    const packet = { payloadType: PAYLOAD_TYPE, sequenceNumber: seq, timestamp: ts, ssrc: this.ssrc, marker: false, payload: Buffer.from(payload) };
    if (!this.track.sendMessageBinary(serializeRtp(packet))) return false;
    this.stats.sent++;
    return true;
  }

  /** Sends one RTCP compound packet as it is (SRTCP on the muxed transport), e.g. a receiver report. */
  sendRtcp(packet: Buffer): boolean {
    if (this.closed || !this.track?.isOpen()) return false;
    return this.track.sendMessageBinary(packet);
  }

  stopSending(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.holdTimer);
    this.stopSending();
    try {
      this.track?.close();
      this.pc.close();
    } catch {
      // already closed natively
    }
    this.encoder.close();
    this.decoder.close();
    this.emit('close');
  }

  private flushRemoteCandidates(): void {
    for (const c of this.pendingRemote.splice(0)) {
      try {
        this.pc.addRemoteCandidate(c, this.mid);
      } catch {
        // a malformed server candidate is the test's problem to notice; keep the others
      }
    }
  }

  private sendFrame(): void {
    const pcm = this.opts.source?.(this.frameIndex++);
    const ts = this.ts;
    this.ts = tsAdd(this.ts, FRAME_SAMPLES);
    if (pcm === undefined || !this.track?.isOpen()) return;
    const payload = this.encoder.encode(pcm);
    const seq = this.seq;
    this.seq = seqAdd(this.seq, 1);
    const loss = this.opts.lossPercent ?? 0;
    if (loss > 0 && (this.opts.random ?? Math.random)() * 100 < loss) {
      this.stats.dropped++;
      return;
    }
    const packet = { payloadType: PAYLOAD_TYPE, sequenceNumber: seq, timestamp: ts, ssrc: this.ssrc, marker: false, payload };
    if (this.track.sendMessageBinary(serializeRtp(packet))) this.stats.sent++;
  }

  private onLocalCandidate(candidate: string, mid: string): void {
    if (this.closed) return;
    const local: LocalCandidate = {
      candidate: candidate.startsWith('a=') ? candidate.slice(2) : candidate,
      sdpMid: mid,
      sdpMLineIndex: 0,
    };
    if (this.ufrag !== undefined) local.ufrag = this.ufrag;
    this.opts.onLocalCandidate?.(local);
    this.emit('localCandidate', local);
  }

  private checkConnected(): void {
    if (this.connectedFlag || this.closed || !this.track?.isOpen() || this.pc.state() !== 'connected') return;
    this.connectedFlag = true;
    this.emit('connected');
  }

  private onMessage(msg: Buffer): void {
    // Stamped first: the closest to the socket this callback gets (node-datachannel queues it to the event loop).
    const arrivedAt = performance.now();
    if (this.closed) return;
    if (isRtcp(msg)) {
      this.stats.rtcp++;
      this.emit('rtcp', msg);
      return;
    }
    const p = parseRtp(msg);
    if (!p) return;
    this.stats.received++;
    this.opts.onRtp?.(p, arrivedAt);
    const wanted = this.opts.decodeWhen?.(arrivedAt) ?? true;
    const delta = this.lastRxSeq === undefined ? 1 : seqDiff(this.lastRxSeq, p.sequenceNumber);
    if (delta > 0) {
      // Newer packet: conceal what is missing in between (late packets are decoded, not concealed).
      for (let i = 1; wanted && i < Math.min(delta, MAX_CONCEAL_FRAMES + 1); i++) {
        const seq = seqAdd(this.lastRxSeq ?? 0, i);
        this.stats.concealed++;
        this.deliver({ arrivedAt, sequenceNumber: seq, timestamp: -1, concealed: true, pcm: this.decoder.conceal() });
      }
      this.lastRxSeq = p.sequenceNumber;
    }
    if (!wanted) {
      this.stats.undecoded++;
      this.emit('rtp', p);
      return;
    }
    let pcm: Int16Array;
    try {
      pcm = this.decoder.decode(p.payload);
    } catch {
      this.stats.decodeErrors++;
      pcm = new Int16Array(FRAME_SAMPLES);
    }
    this.deliver({ arrivedAt, sequenceNumber: p.sequenceNumber, timestamp: p.timestamp, concealed: false, pcm });
    this.emit('rtp', p);
  }

  private deliver(frame: ReceivedFrame): void {
    this.received.push(frame);
    this.opts.onFrame?.(frame);
  }
}

/** The name the media tests know it by. */
export { WebRtcClient as WebRtcTestClient };
export type { ReceivedFrame } from './pcm-ring.js';
