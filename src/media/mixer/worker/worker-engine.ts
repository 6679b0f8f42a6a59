// A mixer engine in a worker thread, a child process (channel.ts) or on a mixer host
// (remote-channel.ts), seen from the media plane.
// Packets are buffered and sent with the next tick; the reply ('mixed') carries the encoded frames.
// The listener configuration is mirrored here, so that when the engine dies its listeners can be
// replayed into another engine. Replies are checked (validate.ts): a malformed one is dropped.
import { EventEmitter } from 'node:events';
import type { PlayoutPacket } from '../../playout/index.js';
import type { ListenerConfig, MixerCounters } from '../types.js';
import { openChannel, type ChannelEvents, type ChannelKind, type EngineChannel, type Isolation } from './channel.js';
import { pack, type MixedReply, type PackedPush, type ToWorker, type WorkerMixerOptions } from './messages.js';
import { parseFromEngine } from './validate.js';

export interface WorkerMix {
  kind: 'mix' | 'tail';
  listenerIds: string[];
  talkers: number[];
  frame: Buffer;
}

export interface WorkerTick {
  seq: number;
  /** The caller's tag of this tick (the plane passes the tick's media timestamp). */
  tag: number;
  outputs: WorkerMix[];
  busyMs: number;
}

export interface WorkerEngineOptions {
  /** Worker thread (default) or child process. */
  isolation?: Isolation;
  /** Told about each malformed reply, which is dropped (default: ignored). */
  onMalformed?: (error: string) => void;
  /** Another transport (a mixer host: remote-channel.ts) instead of `isolation`. */
  channel?: (events: ChannelEvents) => EngineChannel;
  /**
   * Sends only packets of loops some listener of this engine hears (a network transport: every
   * talker of the edge to every engine would cost bandwidth for nothing).
   */
  onlyHeardLoops?: boolean;
}

type Events = { loaded: []; mixed: [WorkerTick]; exit: [Error | undefined] };

export class WorkerMixerEngine {
  /** Resolves when the worker runs; rejects if it could not start. */
  readonly ready: Promise<void>;
  /** Each listener's SSRC and volumes as last set: what a replacement engine is given. */
  readonly listeners = new Map<string, { ssrc: number | undefined; volumes: Map<string, number> }>();
  counters: MixerCounters | undefined;
  /** The engine's idle flag from its last reply (true before the first tick). */
  idle = true;
  private readonly channel: EngineChannel;
  private pushes: PackedPush[] = [];
  private payloads: Buffer[] = [];
  private seq = 0;
  private pending = 0;
  private exited = false;
  private discarded = false;
  private readonly events = new EventEmitter<Events>();
  /** Listeners per loop (onlyHeardLoops); undefined: every packet is sent. */
  private readonly heardLoops: Map<string, number> | undefined;

  constructor(options: WorkerMixerOptions = {}, engine: WorkerEngineOptions = {}) {
    if (engine.onlyHeardLoops) this.heardLoops = new Map();
    const events: ChannelEvents = {
      message: (raw) => {
        const parsed = parseFromEngine(raw);
        if (!parsed.ok) engine.onMalformed?.(parsed.error);
        else if (parsed.msg.type === 'ready') this.events.emit('loaded');
        else this.onMixed(parsed.msg);
      },
      exit: (err) => this.onExit(err),
      undecodable: (error) => engine.onMalformed?.(error),
    };
    this.channel = engine.channel ? engine.channel(events) : openChannel(engine.isolation ?? 'thread', options, events);
    this.ready = new Promise((resolve, reject) => {
      this.events.once('loaded', resolve);
      this.events.once('exit', (err) => reject(err ?? new Error('mixer worker exited before it was ready')));
    });
    this.ready.catch(() => undefined);
  }

  /** 'mixed': a tick's frames; 'exit': the worker is gone (undefined error: stopped on purpose). */
  on(event: 'mixed', listener: (tick: WorkerTick) => void): void;
  on(event: 'exit', listener: (err: Error | undefined) => void): void;
  on(event: 'mixed' | 'exit', listener: ((tick: WorkerTick) => void) | ((err: Error | undefined) => void)): void {
    this.events.on(event, listener);
  }

  /** Thread, process or remote. */
  get isolation(): ChannelKind {
    return this.channel.isolation;
  }

  /** The engine's process id (process isolation; undefined for a thread). */
  get pid(): number | undefined {
    return this.channel.pid;
  }

  get alive(): boolean {
    return !this.exited;
  }

  /** Ticks sent and not answered yet (a worker that falls behind shows it here). */
  get ticksPending(): number {
    return this.pending;
  }

  setListener(id: string, cfg: ListenerConfig = {}): void {
    this.forgetLoops(id);
    this.listeners.set(id, { ssrc: cfg.ssrc, volumes: new Map(Object.entries(cfg.volumes ?? {})) });
    for (const loop of Object.keys(cfg.volumes ?? {})) this.countLoop(loop, 1);
    this.post({ type: 'setListener', id, ssrc: cfg.ssrc, volumes: cfg.volumes ?? {} });
  }

  setVolume(id: string, loop: string, volume: number | undefined): void {
    const l = this.listeners.get(id);
    if (!l) throw new Error(`unknown listener ${id}`);
    if (volume === undefined) {
      if (l.volumes.delete(loop)) this.countLoop(loop, -1);
    } else {
      if (!l.volumes.has(loop)) this.countLoop(loop, 1);
      l.volumes.set(loop, volume);
    }
    this.post({ type: 'setVolume', id, loop, volume });
  }

  removeListener(id: string): void {
    this.forgetLoops(id);
    if (!this.listeners.delete(id)) return;
    this.post({ type: 'removeListener', id });
  }

  /** Buffers a packet for the next tick (the payload is copied then: the caller may reuse it). */
  push(loop: string, pkt: PlayoutPacket, arrivalMs: number): void {
    if (this.exited || (this.heardLoops && !this.heardLoops.has(loop))) return;
    this.pushes.push({ loop, ssrc: pkt.ssrc, sequenceNumber: pkt.sequenceNumber, timestamp: pkt.timestamp, arrivalMs, start: 0, end: 0 });
    this.payloads.push(pkt.payload);
  }

  /** Sends the buffered packets and one tick; the frames come back as a 'mixed' event. */
  tick(nowMs: number, tag = 0): void {
    if (this.exited) return;
    const { bytes, ranges } = pack(this.payloads);
    this.pushes.forEach((p, i) => {
      [p.start, p.end] = ranges[i] ?? [0, 0];
    });
    const msg: ToWorker = { type: 'tick', seq: ++this.seq, tag, nowMs, pushes: this.pushes, bytes };
    this.pushes = [];
    this.payloads = [];
    this.pending++;
    this.channel.send(msg, [bytes]);
  }

  /** Stops the engine (as a crash would, when a test calls it): 'exit' follows. */
  async terminate(): Promise<void> {
    await this.channel.stop();
  }

  /** Stops the worker and ignores whatever it still answers (its listeners are served elsewhere). */
  async discard(): Promise<void> {
    this.discarded = true;
    await this.channel.stop();
  }

  private countLoop(loop: string, delta: number): void {
    if (!this.heardLoops) return;
    const n = (this.heardLoops.get(loop) ?? 0) + delta;
    if (n > 0) this.heardLoops.set(loop, n);
    else this.heardLoops.delete(loop);
  }

  private forgetLoops(id: string): void {
    for (const loop of this.listeners.get(id)?.volumes.keys() ?? []) this.countLoop(loop, -1);
  }

  private post(msg: ToWorker): void {
    if (!this.exited) this.channel.send(msg, []);
  }

  private onMixed(msg: MixedReply): void {
    if (this.discarded) return;
    this.pending = Math.max(0, this.pending - 1);
    this.idle = msg.idle && this.pending === 0;
    this.counters = msg.counters;
    const bytes = Buffer.from(msg.bytes);
    const outputs = msg.outputs.map((o) => ({ kind: o.kind, listenerIds: o.listenerIds, talkers: o.talkers, frame: bytes.subarray(o.start, o.end) }));
    this.events.emit('mixed', { seq: msg.seq, tag: msg.tag, outputs, busyMs: msg.busyMs });
  }

  private onExit(err: Error | undefined): void {
    if (this.exited) return;
    this.exited = true;
    this.pending = 0;
    this.idle = true;
    this.events.emit('exit', err);
  }
}
