// The mixer engine core, sans-I/O: push() talker packets as they arrive, tick() every 20 ms.
//
// Per tick (docs/design.md "Media engine"):
//  1. each talker's playout buffer yields one frame, decoded ONCE, only if someone hears it;
//  2. each listener's mix = sum over monitored loops of gain(loop) x talker pcm, minus the listener's
//     own SSRC. A talker heard on two loops the listener monitors counts once PER LOOP (gains add),
//     as if the two loops were mixed separately - the same as listening to both multicast groups;
//  3. listeners with the same mix key (sorted (talker, summed gain) pairs) share one encoder and one
//     encoded frame; a silent mix costs nothing and emits nothing (DTX on the wire);
//  4. soft limiting above -6 dBFS instead of hard clipping;
//  5. when a listener's mix goes silent, its encoder sends `tailFrames` of encoded silence (shared by
//     listeners who went silent from the same mix in the same tick), then nothing: the client's
//     decoder fades out at once instead of concealing (extending) the last sound for ~250 ms.
//  6. with `phases` > 1 the engine ticks `phases` times per 20 ms frame (docs/media.md "Mixing
//     phases"): a starting talker pops its frames on the first tick after its first frame is ready,
//     a listener whose stream is silent takes the phase of the first talker it hears, a running
//     stream keeps its phase (20 ms apart, contiguous timestamps) and mixes each talker's latest
//     popped frame, so every frame is used once per listener. Encoders are grouped per phase.
// Encoder continuity across key changes is handled by EncoderPool (see there).
import type { PlayoutOptions, PlayoutPacket, PlayoutStats } from '../playout/index.js';
import { FRAME_SAMPLES } from '../opus.js';
import { opusCodecs, type CodecFactory } from './codec.js';
import { EncoderPool, type EncoderSlot } from './encoder-pool.js';
import { softLimit } from './limiter.js';
import { Talker, type TalkerPushResult } from './talker.js';
import type { GateOptions } from './uplink-gate.js';
import { volumeToGain } from './volume.js';
import { groupListeners, type Group, type Listener } from './listener-groups.js';
import type { ListenerConfig, MixerCounters, MixerOptions, MixOutput, MixTick, TalkerLevel } from './types.js';

export class MixerEngine {
  readonly counters: MixerCounters = {
    ticks: 0, idleTicks: 0, packets: 0, copies: 0, decodes: 0, conceals: 0, decodeErrors: 0,
    encodes: 0, independentFrames: 0, primes: 0, sharedHits: 0, silentListenerTicks: 0, gated: 0, tailFrames: 0,
  };
  private readonly codecs: CodecFactory;
  /** One pool per phase: a stream keeps its phase, so its encoder's continuity stays in one pool. */
  private readonly pools: EncoderPool[];
  private readonly phases: number;
  private readonly talkers = new Map<number, Talker>();
  private readonly listeners = new Map<string, Listener>();
  private readonly loopListeners = new Map<string, Set<Listener>>();
  private readonly acc = new Float32Array(FRAME_SAMPLES);
  private readonly share: boolean;
  private readonly alwaysDecode: boolean;
  private readonly hold: number;
  private readonly timeout: number;
  private readonly playoutOpts: PlayoutOptions;
  private readonly gateOpts: GateOptions;
  private readonly tailFrames: number;
  private tickIndex = 0;

  constructor(opts: MixerOptions = {}) {
    this.codecs = opts.codecs ?? opusCodecs(opts.encoder);
    this.phases = Math.max(1, Math.round(opts.phases ?? 1));
    this.pools = Array.from({ length: this.phases }, () => new EncoderPool(() => this.codecs.createEncoder()));
    this.share = opts.shareEncoders ?? true;
    this.alwaysDecode = opts.alwaysDecode ?? false;
    // Both count 20 ms frames; the engine's ticks are `phases` times as many.
    this.hold = (opts.loopHoldTicks ?? 10) * this.phases;
    this.timeout = (opts.talkerTimeoutTicks ?? 1500) * this.phases;
    this.playoutOpts = opts.playout ?? {};
    this.gateOpts = opts.gate ?? {};
    this.tailFrames = Math.max(0, opts.tailFrames ?? 5);
  }

  /** True when no talker is playing or buffered and no silence tail is due: the clock may stop. */
  get idle(): boolean {
    for (const t of this.talkers.values()) if (!t.playout.idle) return false;
    for (const l of this.listeners.values()) if (l.tailLeft > 0) return false;
    return true;
  }

  /** True while `ssrc` has no spurt playing here (or is unknown): its uplink gate is closed. */
  talkerIdle(ssrc: number): boolean {
    return this.talkers.get(ssrc)?.playout.idle ?? true;
  }

  /** Milliseconds until some waiting talk spurt may start (for the first tick of an idle clock). */
  startsInMs(nowMs: number): number | undefined {
    let min: number | undefined;
    for (const t of this.talkers.values()) {
      const ms = t.playout.startsInMs(nowMs);
      if (ms !== undefined && (min === undefined || ms < min)) min = ms;
    }
    return min;
  }

  /** Reception statistics of every current talker (loss, jitter, …) for metrics. */
  talkerStats(): Array<{ ssrc: number; stats: PlayoutStats }> {
    return [...this.talkers.values()].map((t) => ({ ssrc: t.ssrc, stats: t.playout.stats }));
  }

  /** Listeners set on this engine (a mixer host reports them as its load). */
  get listenerCount(): number {
    return this.listeners.size;
  }

  get encoderCount(): { active: number; created: number } {
    let active = 0;
    let created = 0;
    for (const pool of this.pools) {
      active += pool.size.active;
      created += pool.size.created;
    }
    return { active, created };
  }

  push(loop: string, pkt: PlayoutPacket, arrivalMs: number): TalkerPushResult {
    this.counters.packets++;
    let talker = this.talkers.get(pkt.ssrc);
    if (!talker) {
      talker = new Talker(pkt.ssrc, () => this.codecs.createDecoder(), this.playoutOpts, this.gateOpts);
      this.talkers.set(pkt.ssrc, talker);
    }
    const r = talker.push(loop, pkt, arrivalMs, this.tickIndex);
    if (r === 'copy') this.counters.copies++;
    else if (r === 'gated') this.counters.gated++;
    return r;
  }

  setListener(id: string, cfg: ListenerConfig = {}): void {
    this.removeListener(id);
    const l: Listener = { id, ssrc: cfg.ssrc, gains: new Map(), prevKey: undefined, tailLeft: 0, phase: undefined, heardSlot: undefined, heardGeneration: 0 };
    this.listeners.set(id, l);
    for (const [loop, v] of Object.entries(cfg.volumes ?? {})) this.setVolume(id, loop, v);
  }

  /** Sets a listener's volume for a loop (monitoring it); undefined stops monitoring the loop. */
  setVolume(id: string, loop: string, volume: number | undefined): void {
    const l = this.listeners.get(id);
    if (!l) throw new Error(`unknown listener ${id}`);
    if (volume === undefined) {
      l.gains.delete(loop);
      this.loopListeners.get(loop)?.delete(l);
      return;
    }
    l.gains.set(loop, volumeToGain(volume));
    let set = this.loopListeners.get(loop);
    if (!set) this.loopListeners.set(loop, (set = new Set()));
    set.add(l);
  }

  removeListener(id: string): void {
    const l = this.listeners.get(id);
    if (!l) return;
    for (const loop of l.gains.keys()) this.loopListeners.get(loop)?.delete(l);
    this.listeners.delete(id);
  }

  /**
   * One step at `nowMs` (the time axis of push's arrivalMs; omitted: a frame's ticks count as 20 ms).
   * Every 20 / `phases` ms; only the talkers and listeners of this tick's phase do work.
   */
  tick(nowMs?: number): MixTick {
    const t = ++this.tickIndex;
    const phase = t % this.phases;
    this.counters.ticks++;
    const levels: TalkerLevel[] = [];
    this.popTalkers(t, phase, levels, nowMs);
    const { byLoop, starting } = this.freshFrames(t);
    if (byLoop.size === 0) this.counters.idleTicks++;
    const groups = groupListeners(this.listeners.values(), byLoop, { tick: t, phase, share: this.share, tailFrames: this.tailFrames, starting }, this.counters);
    if (groups.size === 0) return { outputs: [], levels };
    // Acquire every group's encoder before mixing anything: priming replays the phase's last pcm.
    const pool = this.pools[phase] as EncoderPool;
    const keys = new Set(groups.keys());
    pool.beginTick();
    const slots: EncoderSlot[] = [];
    for (const [key, g] of groups) {
      const r = pool.acquire(key, g.members.map((m) => m.prevKey), keys);
      if (r.how === 'primed') this.counters.primes++;
      slots.push(r.slot);
    }
    const outputs: MixOutput[] = [];
    let i = 0;
    for (const [key, g] of groups) {
      const slot = slots[i++];
      if (!slot) continue;
      this.mix(g, slot.pcm);
      slot.hasPcm = true;
      // A member whose decoder did not hear this encoder's last frame (a new stream, a switch of
      // encoder) would decode a predicted frame wrong: the whole group gets an independent one.
      const independent = g.members.some((m) => m.heardSlot !== slot || m.heardGeneration !== slot.generation);
      const frame = slot.encoder.encode(slot.pcm, independent);
      slot.generation++;
      if (independent) this.counters.independentFrames++;
      this.counters.encodes++;
      this.counters.sharedHits += g.members.length - 1;
      if (g.tail) this.counters.tailFrames++;
      for (const m of g.members) {
        m.prevKey = key;
        m.heardSlot = slot;
        m.heardGeneration = slot.generation;
      }
      outputs.push({ kind: g.tail ? 'tail' : 'mix', listenerIds: g.members.map((m) => m.id), frame, talkers: g.talkers.map((x) => x.ssrc) });
    }
    pool.endTick();
    return { outputs, levels };
  }

  close(): void {
    for (const t of this.talkers.values()) t.close();
    this.talkers.clear();
    this.listeners.clear();
    this.loopListeners.clear();
    for (const pool of this.pools) pool.close();
  }

  /**
   * Step 1: one playout step for each talker of this phase, and for each waiting to start (it takes
   * the phase of the tick where it starts); decode those someone hears.
   */
  private popTalkers(t: number, phase: number, levels: TalkerLevel[], nowMs: number | undefined): void {
    for (const talker of this.talkers.values()) {
      if (talker.playout.idle) {
        talker.phase = undefined;
        if (t - talker.lastPacketTick > this.timeout) {
          talker.close();
          this.talkers.delete(talker.ssrc);
        }
        continue;
      }
      if (talker.phase !== undefined && talker.phase !== phase) continue;
      const out = talker.playout.tick(nowMs);
      talker.poppedAt = t;
      talker.pcm = undefined;
      if (out.kind === 'silent') {
        talker.phase = undefined;
        continue;
      }
      talker.phase = phase;
      const loops: string[] = [];
      for (const loop of talker.loops.keys()) if (talker.isOnLoop(loop, t, this.hold)) loops.push(loop);
      talker.onLoops = loops;
      if (loops.length === 0 || (!this.alwaysDecode && !this.isHeard(talker, loops))) continue;
      talker.processInput(out);
      // The gate closed the spurt on silence: its next spurt may start on another phase.
      if (!talker.playout.active) talker.phase = undefined;
      const r = talker.lastDecode;
      if (r === 'decode') this.counters.decodes++;
      else if (r === 'conceal') this.counters.conceals++;
      else this.counters.decodeErrors++;
      levels.push({ ssrc: talker.ssrc, loops, dbfs: talker.dbfs });
    }
  }

  /**
   * Loop -> talkers whose latest popped frame is at most one frame old (what this tick's mixes use),
   * and whether one of them was popped at this very tick (a silent listener's stream may start).
   */
  private freshFrames(t: number): { byLoop: Map<string, Talker[]>; starting: boolean } {
    const byLoop = new Map<string, Talker[]>();
    let starting = false;
    for (const talker of this.talkers.values()) {
      if (talker.pcm === undefined || t - talker.poppedAt >= this.phases) continue;
      if (talker.poppedAt === t && talker.onLoops.length > 0) starting = true;
      for (const loop of talker.onLoops) {
        const list = byLoop.get(loop);
        if (list) list.push(talker);
        else byLoop.set(loop, [talker]);
      }
    }
    return { byLoop, starting };
  }

  private isHeard(talker: Talker, loops: readonly string[]): boolean {
    for (const loop of loops) {
      for (const l of this.loopListeners.get(loop) ?? []) {
        if (l.ssrc !== talker.ssrc && (l.gains.get(loop) ?? 0) > 0) return true;
      }
    }
    return false;
  }

  /** Step 3: weighted sum into a float accumulator, then the soft limiter into the slot's pcm. */
  private mix(g: Group, out: Int16Array): void {
    const acc = this.acc;
    acc.fill(0);
    for (let k = 0; k < g.talkers.length; k++) {
      const pcm = g.talkers[k]?.pcm;
      const w = g.weights[k] ?? 0;
      if (!pcm) continue;
      const n = Math.min(pcm.length, FRAME_SAMPLES);
      for (let i = 0; i < n; i++) acc[i] = (acc[i] as number) + w * (pcm[i] as number);
    }
    softLimit(acc, out);
  }
}
