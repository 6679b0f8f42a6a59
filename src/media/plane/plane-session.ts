// One client's media session inside the plane: its edge session (WebRTC), its loops (mix and
// uplink targets) and its talking state. Signaling drives it through the MediaSession interface.
import { EventEmitter } from 'node:events';
import type { LoopState } from '../../directory/permissions.js';
import type { MediaClientInfo, MediaLoop, MediaLoss, MediaSession, MediaSessionEvents, MediaStats, RemoteCandidate } from '../control.js';
import type { EdgeSession } from '../edge/index.js';
import type { RtpPacket } from '../rtp.js';
import { isDtxPayload } from '../mixer/index.js';

/** What a session needs from its plane. */
export interface PlaneHost {
  joinLoop(session: PlaneSession, loop: MediaLoop, volume: number): void;
  setVolume(session: PlaneSession, loop: MediaLoop, volume: number): void;
  leaveLoop(session: PlaneSession, loop: MediaLoop): void;
  forward(loop: MediaLoop, packet: RtpPacket): void;
  /** True while this talker has no spurt playing (its uplink gate is closed). */
  uplinkIdle(ssrc: number): boolean;
  /** Counts an uplink DTX packet dropped before the mixer. */
  droppedDtx(): void;
  release(session: PlaneSession): void;
  uplinkStats(ssrc: number): { lost: number; received: number; jitterMs: number } | undefined;
}

export interface HotMicGuard {
  /** Forward the uplink into a `send` loop only while the client reports talking on it. */
  requireTalking: boolean;
  /** Stop talking automatically after this long (0 = never); signaling broadcasts talking:false. */
  talkTimeoutMs: number;
}

type Events = { [K in keyof MediaSessionEvents]: Parameters<MediaSessionEvents[K]> };

export class PlaneSession implements MediaSession {
  // Untyped inside; `on` and `emit` below give the typed surface.
  private readonly events = new EventEmitter();
  readonly loops = new Map<string, { loop: MediaLoop; state: LoopState }>();
  private readonly talking = new Map<string, NodeJS.Timeout | undefined>();
  private closed = false;

  constructor(
    private readonly host: PlaneHost,
    readonly edge: EdgeSession,
    readonly client: MediaClientInfo,
    private readonly guard: HotMicGuard,
  ) {
    edge.on('localCandidate', (c) => this.emit('candidate', c));
    edge.on('connected', () => this.emit('ready'));
    edge.on('rtp', (packet) => this.onUplink(packet));
    edge.on('failed', (err) => this.end({ code: err.code, description: err.message }));
    edge.on('close', () => this.end({ code: 'closed', description: 'closed' }));
    // No `send` loop yet: the uplink goes nowhere, so the edge need not hand it to us (uplink-switch.ts).
    edge.setUplink(false);
  }

  on<E extends keyof MediaSessionEvents>(event: E, listener: MediaSessionEvents[E]): void {
    this.events.on(event, listener);
  }

  private emit<E extends keyof Events>(event: E, ...args: Events[E]): void {
    this.events.emit(event, ...args);
  }

  /** The SSRC of this client as a talker on the loop bus (= its downlink SSRC, unique per plane). */
  get ssrc(): number {
    return this.edge.ssrc;
  }

  stats(): MediaStats {
    const uplink = this.host.uplinkStats(this.ssrc);
    const expected = uplink ? uplink.received + uplink.lost : 0;
    return {
      connected: this.edge.state === 'connected',
      packetsIn: this.edge.stats.rtpIn,
      packetsOut: this.edge.stats.rtpOut,
      uplinkLoss: uplink && expected > 0 ? uplink.lost / expected : 0,
      uplinkJitterMs: uplink?.jitterMs ?? 0,
    };
  }

  offer(): Promise<string> {
    return this.edge.createOffer();
  }

  answer(sdp: string): Promise<void> {
    return this.edge.setAnswer(sdp);
  }

  addCandidate(candidate: RemoteCandidate): void {
    this.edge.addRemoteCandidate(candidate);
  }

  endOfCandidates(): void {
    this.edge.endOfCandidates();
  }

  setLoop(loop: MediaLoop, state: LoopState, volume: number): void {
    if (this.closed) return;
    const had = this.loops.has(loop.key);
    if (state === 'none') {
      if (!had) return;
      this.loops.delete(loop.key);
      this.setTalking(loop, false);
      this.host.leaveLoop(this, loop);
      this.updateUplink();
      return;
    }
    this.loops.set(loop.key, { loop, state });
    if (had) this.host.setVolume(this, loop, volume);
    else this.host.joinLoop(this, loop, volume);
    this.updateUplink();
  }

  /** Only a session with a `send` loop can talk: the others' uplink (a muted track's DTX) is dropped at the edge. */
  private updateUplink(): void {
    let sending = false;
    for (const { state } of this.loops.values()) if (state === 'send') sending = true;
    this.edge.setUplink(sending);
  }

  setTalking(loop: MediaLoop, talking: boolean): void {
    const timer = this.talking.get(loop.key);
    clearTimeout(timer);
    if (!talking) {
      this.talking.delete(loop.key);
      return;
    }
    const timeout = this.guard.talkTimeoutMs;
    this.talking.set(
      loop.key,
      timeout > 0
        ? setTimeout(() => {
            this.talking.delete(loop.key);
            this.emit('talkReleased', loop);
          }, timeout).unref()
        : undefined,
    );
  }

  /** The client's voice goes to every loop it has in `send` (with the hot-mic guard: while talking). */
  private onUplink(packet: RtpPacket): void {
    // DTX (TOC only) opens no spurt (uplink-gate.ts): while idle it need not reach the mixer, its
    // worker engines or the loop bus at all. Inside a spurt it is the talker's frame like any other.
    if (isDtxPayload(packet.payload) && this.host.uplinkIdle(this.ssrc)) {
      this.host.droppedDtx();
      return;
    }
    const own: RtpPacket = { ...packet, ssrc: this.ssrc };
    for (const { loop, state } of this.loops.values()) {
      if (state !== 'send') continue;
      if (this.guard.requireTalking && !this.talking.has(loop.key)) continue;
      this.host.forward(loop, own);
    }
  }

  /** `loss` undefined: ended by close(), whose caller knows; otherwise it ended by itself. */
  private end(loss: MediaLoss | undefined): void {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.talking.values()) clearTimeout(timer);
    this.talking.clear();
    this.host.release(this);
    if (loss) this.emit('closed', loss);
  }

  close(): void {
    this.end(undefined);
    this.edge.close();
  }
}
