// The media plane of one process: the WebRTC edge, the mixer engines (engine-pool.ts: one in this
// thread, more in worker threads with media.mixerWorkers), VAD, the global 20 ms clock and the loop bus. Implements the MediaControl interface signaling drives.
// Idle costs nothing: the clock runs only while some talker is playing or a loop's VAD is on.
import type { LoopKey } from '../../directory/loop-key.js';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import { TICK_NS, TickClock, type Tick } from '../clock.js';
import type { MediaClientInfo, MediaControl, MediaLoop, MediaSession, VoiceActivity } from '../control.js';
import { TalkerListeners, type TalkerChange, type TalkerSource } from '../talkers.js';
import type { WebRtcEdge } from '../edge/index.js';
import { DownlinkPacketizer, mediaTimestamp, SenderReports, type EncodedFrame } from '../downlink/index.js';
import { opusCodecs, type MixerOptions, type MixOutput, type TalkerLevel } from '../mixer/index.js';
import { serializeRtp, type RtpPacket } from '../rtp.js';
import { LoopVad, type VadOptions } from '../vad/index.js';
import type { LoopBus, LoopHandle } from '../loopbus/index.js';
import type { Registry } from 'prom-client';
import { PlaneMetrics, type PlaneCounters } from './plane-metrics.js';
import { PlaneSession, type HotMicGuard, type PlaneHost } from './plane-session.js';
import { EnginePool } from './engine-pool.js';
import type { Isolation } from '../mixer/worker/channel.js';

/**
 * Mixing phases per 20 ms frame (docs/media.md "Mixing phases"): the clock ticks every 5 ms, so a
 * starting spurt waits at most 5 ms for a tick instead of up to 20 (listeners whose stream is silent).
 */
export const MIX_PHASES = 4;

export interface MediaPlaneOptions {
  edge: WebRtcEdge;
  bus: LoopBus;
  log: Logger;
  /** Sessions this plane accepts; beyond, `media` answers 10010. */
  maxSessions: number;
  guard: HotMicGuard;
  mixer?: MixerOptions;
  /** Mixer engines in all (media.mixerWorkers): 1 mixes in this thread only, more add worker threads. */
  mixerEngines?: number;
  /** What the engines beyond the first run in (media.mixerIsolation): threads (default) or child processes. */
  mixerIsolation?: Isolation;
  vad?: VadOptions;
  /** Prometheus registry for the plane's metrics. */
  registry?: Registry;
}

interface LoopEntry {
  loop: MediaLoop;
  handle: LoopHandle;
  listeners: number;
}

export class MediaPlane extends EventEmitter<{ vad: [VoiceActivity] }> implements MediaControl, PlaneHost, TalkerSource {
  /** The mixer engines (engine-pool.ts): one in this thread, more in worker threads when configured. */
  readonly engine: EnginePool;
  readonly clock: TickClock;
  readonly counters: PlaneCounters = { rtpIn: 0, rtpOut: 0, dtxDropped: 0 };
  private readonly metrics: PlaneMetrics | undefined;
  private readonly vad: LoopVad;
  private readonly sessions = new Map<string, PlaneSession>();
  private readonly bySsrc = new Map<number, PlaneSession>();
  /** Told when a session's SSRC appears or goes (published in the shared talker table when deployed). */
  private readonly talkers = new TalkerListeners();
  private readonly loops = new Map<string, LoopEntry>();
  /** The one owner of each listener's downlink sequence numbers, timestamps and marker bits. */
  private readonly downlinks = new Map<string, DownlinkPacketizer>();
  /** The packetizer's input, refilled per frame: the send loop allocates nothing per packet. */
  private readonly encoded: EncodedFrame = { payload: Buffer.alloc(0), mediaTs: 0 };
  /** RTCP sender reports of each downlink: what lets clients' receiver reports carry the round trip. */
  private readonly senderReports = new Map<string, SenderReports>();
  private stopClock: (() => void) | undefined;
  private lastTickAt: number | undefined;
  private readonly phases: number;
  /** Talker levels of the ticks since the last VAD step: VAD counts 20 ms frames, one per talker. */
  private readonly frameLevels: TalkerLevel[] = [];

  constructor(private readonly options: MediaPlaneOptions) {
    super();
    this.phases = Math.max(1, Math.round(options.mixer?.phases ?? MIX_PHASES));
    this.metrics = options.registry ? new PlaneMetrics(options.registry, this, this.phases) : undefined;
    const codecs = options.mixer?.codecs ?? opusCodecs(options.mixer?.encoder);
    this.engine = new EnginePool({
      engines: options.mixerEngines ?? 1,
      ...(options.mixerIsolation ? { isolation: options.mixerIsolation } : {}),
      mixer: { ...options.mixer, phases: this.phases, codecs: this.metrics ? this.metrics.timedCodecs(codecs) : codecs },
      log: options.log,
      onWorkerMix: (tick) => this.send(tick.outputs, tick.tag, performance.now()),
    });
    this.vad = new LoopVad(options.vad);
    // Catch up on up to 60 ms of late ticks, as with one 20 ms phase, before skipping.
    this.clock = new TickClock({
      periodNs: TICK_NS / BigInt(this.phases),
      maxLateTicks: 3 * this.phases,
      onError: (err) => options.log.error({ err }, 'media tick failed'),
    });
  }

  get engineCounters() {
    return this.engine.counters;
  }

  get enginesLost(): number {
    return this.engine.lost;
  }

  talkerStats() {
    return this.engine.local.talkerStats();
  }

  uplinkStats(ssrc: number): { lost: number; received: number; jitterMs: number } | undefined {
    return this.engine.local.talkerStats().find((t) => t.ssrc === ssrc)?.stats;
  }

  isLocalTalker(ssrc: number): boolean {
    return this.bySsrc.has(ssrc);
  }

  /**
   * Calls `fn` once per 20 ms frame on the plane's clock (which ticks `phases` times per frame):
   * for whoever paces frames into the plane (the recorder's replay), keeping the clock running.
   */
  everyFrame(fn: () => void): () => void {
    let frame: number | undefined;
    return this.clock.subscribe((tick) => {
      const current = Math.floor(tick.index / this.phases);
      if (current === frame) return;
      frame = current;
      fn();
    });
  }

  /** For readiness (src/health): the UDP port, and whether the clock ticks while it should. */
  health(): { udpPort: number; clockSubscribed: boolean; msSinceTick: number | undefined } {
    return {
      udpPort: this.options.edge.port,
      clockSubscribed: this.stopClock !== undefined,
      msSinceTick: this.lastTickAt === undefined ? undefined : performance.now() - this.lastTickAt,
    };
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** The WebRTC edge under this plane (its sessions, for diagnostics and fault tests). */
  get edge(): WebRtcEdge {
    return this.options.edge;
  }

  /** The loop bus this plane hears (the recorder listens on the same one). */
  get bus(): LoopBus {
    return this.options.bus;
  }

  /** Who talks with this SSRC on the bus, if it is a local client (names the recorder's talk records). */
  clientOfSsrc(ssrc: number): MediaClientInfo | undefined {
    return this.bySsrc.get(ssrc)?.client;
  }

  onTalker(listener: (change: TalkerChange) => void): () => void {
    return this.talkers.add(listener, [...this.sessions.values()].map((s) => ({ ssrc: s.ssrc, client: s.client })));
  }

  openSession(client: MediaClientInfo): MediaSession {
    if (this.sessions.size >= this.options.maxSessions) {
      throw new ProtocolError(ErrorCode.noResources, `no more resources: this server takes ${this.options.maxSessions} media sessions`);
    }
    const session = new PlaneSession(this, this.options.edge.createSession(), client, this.options.guard);
    this.sessions.set(client.connectionId, session);
    this.bySsrc.set(session.ssrc, session);
    session.edge.on('rtcp', (packet) => {
      const reports = this.senderReports.get(client.connectionId);
      const arrivedMs = wallClockMs();
      this.metrics?.onRtcp(session.ssrc, packet, reports && ((block) => reports.roundTrip(block, arrivedMs)));
    });
    // Registered at once so the mix is ready when DTLS is (media_ready means audio can flow).
    this.engine.setListener(client.connectionId, { ssrc: session.ssrc, volumes: {} });
    this.talkers.emit({ ssrc: session.ssrc, client, present: true });
    return session;
  }

  onVoiceActivity(listener: (activity: VoiceActivity) => void): void {
    this.on('vad', listener);
  }

  // ── PlaneHost: called by sessions ────────────────────────────────────────────────────────────

  joinLoop(session: PlaneSession, loop: MediaLoop, volume: number): void {
    let entry = this.loops.get(loop.key);
    if (!entry) {
      // Same loop key on every backend → same bus address (or the configured one): they share loops.
      const handle = this.options.bus.join(loop.key, loop.multicast);
      handle.on('packet', (_buf, packet) => this.receive(loop, packet));
      entry = { loop, handle, listeners: 0 };
      this.loops.set(loop.key, entry);
    }
    entry.listeners++;
    this.engine.setVolume(session.client.connectionId, loop.key, volume);
  }

  setVolume(session: PlaneSession, loop: MediaLoop, volume: number): void {
    this.engine.setVolume(session.client.connectionId, loop.key, volume);
  }

  leaveLoop(session: PlaneSession, loop: MediaLoop): void {
    this.engine.setVolume(session.client.connectionId, loop.key, undefined);
    const entry = this.loops.get(loop.key);
    if (!entry || --entry.listeners > 0) return;
    entry.handle.leave();
    this.loops.delete(loop.key);
  }

  uplinkIdle(ssrc: number): boolean {
    return this.engine.local.talkerIdle(ssrc);
  }

  droppedDtx(): void {
    this.counters.dtxDropped++;
  }

  /** A local talker's packet: into the local mix at once, and onto the bus for other processes. */
  forward(loop: MediaLoop, packet: RtpPacket): void {
    this.counters.rtpIn++;
    this.receive(loop, packet);
    this.loops.get(loop.key)?.handle.send(serializeRtp(packet));
  }

  release(session: PlaneSession): void {
    const id = session.client.connectionId;
    if (this.sessions.get(id) !== session) return;
    for (const { loop } of [...session.loops.values()]) this.leaveLoop(session, loop);
    session.loops.clear();
    this.engine.removeListener(id);
    this.sessions.delete(id);
    this.bySsrc.delete(session.ssrc);
    this.talkers.emit({ ssrc: session.ssrc, client: session.client, present: false });
    this.downlinks.delete(id);
    this.senderReports.delete(id);
  }

  // ── the tick ─────────────────────────────────────────────────────────────────────────────────

  private receive(loop: MediaLoop, packet: RtpPacket): void {
    const now = performance.now();
    // Gated silence (a muted track's comfort noise) and copies change nothing: no idle scan per packet.
    const result = this.engine.push(loop.key, packet, now);
    if (result === 'gated' || result === 'copy') return;
    // Gated silence leaves the engine idle: no clock. A spurt that waits gets its first tick as
    // soon as its first frame is old enough, not a whole period later.
    if (this.stopClock === undefined && !this.engine.idle) {
      this.stopClock = this.clock.subscribe((tick) => this.tick(tick), this.engine.local.startsInMs(now));
      this.lastTickAt = now;
    }
  }

  private tick(tick: Tick): void {
    const started = performance.now();
    this.lastTickAt = started;
    const mediaTs = mediaTimestamp(tick.deadlineNs);
    const { outputs, levels } = this.engine.tick(started, mediaTs);
    this.metrics?.onTick(tick.lateNs, (performance.now() - started) / 1000);
    this.send(outputs, mediaTs, started);
    // Each playing talker pops one frame in any `phases` consecutive ticks: one VAD step per frame.
    for (const level of levels) this.frameLevels.push(level);
    if (tick.index % this.phases === this.phases - 1) {
      for (const change of this.vad.process(this.frameLevels)) this.announce(change.loop, change.on, change.talkers);
      this.frameLevels.length = 0;
    }
    if (this.engine.idle && this.vad.activeLoops().length === 0) {
      this.stopClock?.();
      this.stopClock = undefined;
      this.frameLevels.length = 0;
    }
  }

  /** Frames of one tick (this thread's, or a worker's when they arrive) to the listeners' downlinks. */
  private send(outputs: ReadonlyArray<Pick<MixOutput, 'listenerIds' | 'frame'>>, mediaTs: number, nowMs: number): void {
    const encoded = this.encoded;
    encoded.mediaTs = mediaTs;
    for (const output of outputs) {
      encoded.payload = output.frame;
      for (const id of output.listenerIds) {
        const session = this.sessions.get(id);
        if (!session) continue;
        let down = this.downlinks.get(id);
        if (!down) this.downlinks.set(id, (down = new DownlinkPacketizer({ ssrc: session.ssrc, payloadType: 100 })));
        for (const packet of down.processInput(encoded)) {
          this.counters.rtpOut++;
          session.edge.sendRtp(packet);
        }
        this.sendSenderReport(id, session, down, nowMs);
      }
    }
  }

  /** An RTCP SR every ~2 s while the downlink sends (RFC 3550 §6.4.1); the first with its first packet. */
  private sendSenderReport(id: string, session: PlaneSession, down: DownlinkPacketizer, nowMs: number): void {
    let reports = this.senderReports.get(id);
    if (!reports) this.senderReports.set(id, (reports = new SenderReports({ ssrc: session.ssrc, cname: `loopcast-${session.edge.id}` })));
    if (!reports.due(nowMs)) return;
    // The same instant on both axes: NTP from the wall clock, RTP from the monotonic clock the ticks use.
    const info = down.senderInfo(process.hrtime.bigint());
    session.edge.sendRtcp(reports.build(info, wallClockMs(), nowMs));
  }

  private announce(key: string, on: boolean, ssrcs: number[]): void {
    // Every key the plane holds came from a MediaLoop: the vad only tracks loops it was given.
    const loop = this.loops.get(key)?.loop ?? { key: key as LoopKey };
    const talkers = ssrcs.flatMap((ssrc) => {
      const s = this.bySsrc.get(ssrc);
      return s ? [{ user: s.client.user, role: s.client.role, client: s.client.client }] : [];
    });
    this.emit('vad', { loop, on, talkers });
  }

  async close(): Promise<void> {
    for (const session of [...this.sessions.values()]) session.close();
    this.stopClock?.();
    this.clock.close();
    for (const entry of this.loops.values()) entry.handle.leave();
    this.loops.clear();
    await this.engine.close();
    this.options.edge.close();
    this.options.bus.close();
  }
}

/** Wall-clock ms with sub-ms resolution (SR NTP times and RR arrivals: the RTT is their difference). */
function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}
