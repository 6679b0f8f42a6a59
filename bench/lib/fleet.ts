// The simulated operators of one load-generator process (a shard; with one shard, the whole fleet):
// connects them (with bounded concurrency), sets up their monitored loops, drives the talker slots
// it owns (talk, rotate), and turns every announced burst — its own talkers' or another shard's — into
// probes for its listeners: whether they should hear it, from the states the server confirmed.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { burstSource, slotFrequencies, slotPattern } from './talk.js';
import { LoadOperator, type LoopState, type OperatorLogin } from './operator.js';
import { RtpReceiveStats } from '../../src/media/rtp/receive-stats.js';
import { fromMono, toMono } from './clock.js';
import { decodedCounts, hearing, missedBursts } from './result.js';
import { monitoredLoops, slotLoop, slotOperator, type Scenario } from './scenario.js';
import type { ShardReport, ShardSnapshot } from './shard.js';
import type { SlotEvent } from './slot-events.js';
import { SeriesRecorder, round, sleep } from './stats.js';
import { ToneAnalyzer } from './tone-analyzer.js';

/** Probes are skipped this long after a listener's or talker's loop state changed (ms). */
const SETTLE_MS = 600;
/** Unexpected talkers are spot-checked on every n-th burst only (cost). */
const SPOT_CHECK_EVERY = 3;

export interface Member {
  index: number;
  op: LoadOperator;
  analyzer: ToneAnalyzer;
  rtp: RtpReceiveStats;
}

interface Slot {
  slot: number;
  loop: string;
  frequency: number;
  holder: Member | undefined;
  startedAt: number;
  bursts: number;
  /** The key of the burst announced and not yet started. */
  announced: string | undefined;
}

export interface FleetOptions {
  scenario: Scenario;
  login: (index: number) => OperatorLogin;
  /** Operators the talker slots are spread over (the initial fleet for ramps). */
  placement?: number;
  loopId?: (index: number) => string;
  /** Local address of every operator's WebRTC client (another namespace or host needs a routable one). */
  bindAddress?: string;
  /** This shard holds the talker slots' operators and drives the slots (default true). */
  ownsSlots?: boolean;
  /** Slot events for the other shards (this fleet handles its own before publishing them). */
  publish?: (event: SlotEvent) => void;
  /** Operators setting up at the same time in this shard (default the scenario's). */
  connectConcurrency?: number;
}

export class Fleet {
  readonly members: Member[] = [];
  readonly setupMs: number[] = [];
  readonly errors: string[] = [];
  readonly replyMs = new SeriesRecorder();
  readonly scenario: Scenario;
  private readonly slots: Slot[];
  /** Every slot's holder and since when, as announced (valid() of the probes compares with it). */
  private readonly holders = new Map<number, { holder: number; startedAt: number }>();
  private readonly loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: 5 });
  private round = 0;

  constructor(private readonly options: FleetOptions) {
    const { scenario } = options;
    this.scenario = scenario;
    const placement = options.placement ?? scenario.operators;
    const loopId = options.loopId ?? ((i: number) => `l${i}`);
    const frequencies = slotFrequencies(scenario.talkers);
    this.slots = Array.from({ length: Math.min(scenario.talkers, placement) }, (_, t) => ({
      slot: t,
      loop: loopId(slotLoop(scenario, t)),
      frequency: frequencies[t] as number,
      holder: undefined,
      startedAt: 0,
      bursts: 0,
      announced: undefined,
    }));
    this.loopDelay.enable();
  }

  /** Connects the operators `indexes`; returns how many failed. */
  async grow(indexes: readonly number[]): Promise<number> {
    const queue = [...indexes];
    let failed = 0;
    const worker = async (): Promise<void> => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
        try {
          this.members.push(await this.connect(i));
        } catch (err) {
          failed++;
          this.errors.push(`${this.options.login(i).user}: ${(err as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: this.options.connectConcurrency ?? this.scenario.connectConcurrency }, worker));
    this.members.sort((a, b) => a.index - b.index);
    return failed;
  }

  /** Gives every owned talker slot to its operator of rotation round `round` and starts the bursts. */
  async startTalkers(): Promise<void> {
    if (this.options.ownsSlots === false) return;
    await Promise.all(this.slots.map((slot) => this.startSlot(slot)));
  }

  async stopTalkers(): Promise<void> {
    await Promise.all(this.slots.map((slot) => this.stopSlot(slot)));
  }

  /** Hands every slot to the next operator (a loop switch for two operators per slot). */
  async rotate(): Promise<void> {
    await this.stopTalkers();
    this.round++;
    await this.startTalkers();
  }

  /** Handles a slot event of this shard's talkers or another shard's. */
  receive(event: SlotEvent): void {
    if (event.type === 'released') this.holders.delete(event.slot);
    else if (event.type === 'onset') for (const m of this.members) m.analyzer.confirmOnset(event.key, fromMono(event.at));
    else this.probe(event);
  }

  /** Measures since the previous snapshot (event-loop delay) or since `sinceMono` (latency samples by onset). */
  snapshot(sinceMono: number): ShardSnapshot {
    const from = fromMono(sinceMono);
    const latencies: ShardSnapshot['latencies'] = [];
    for (const m of this.members) for (const s of m.analyzer.latencies) if (s.onset >= from) latencies.push({ onset: toMono(s.onset), ms: s.ms, listener: m.index });
    const listening = this.members.filter((m) => m.rtp.received > 0);
    const loopDelayP99Ms = round(this.loopDelay.percentile(99) / 1e6);
    this.loopDelay.reset();
    return {
      operators: this.members.length,
      rtp: this.members.map((m) => m.rtp.counts()),
      jitterSumMs: listening.reduce((sum, m) => sum + m.rtp.jitterMs, 0),
      listening: listening.length,
      latencies,
      loopDelayP99Ms,
      mutedPackets: this.members.reduce((n, m) => n + m.op.mutedPackets, 0),
    };
  }

  /** Finishes probes whose window has passed and reports hearing and setup (call after stopTalkers + a pause). */
  report(): ShardReport {
    const now = performance.now();
    for (const m of this.members) m.analyzer.expire(now);
    return {
      hearing: hearing(this.members).map((h, k) => ({ index: this.members[k]?.index ?? -1, hearing: h })),
      missedBursts: missedBursts(this.members),
      decoded: decodedCounts(this.members),
      setupMs: [...this.setupMs],
      replyMs: this.replyMs.raw(),
      errors: [...this.errors],
    };
  }

  frequencies(): number[] {
    return this.slots.map((s) => s.frequency);
  }

  async close(): Promise<void> {
    this.loopDelay.disable();
    await Promise.all(this.members.map((m) => m.op.close()));
  }

  private publish(event: SlotEvent): void {
    this.receive(event);
    this.options.publish?.(event);
  }

  private async connect(index: number): Promise<Member> {
    const analyzer = new ToneAnalyzer();
    const rtp = new RtpReceiveStats({ jitter: 'spurt' });
    const op = await LoadOperator.connect(this.options.login(index), {
      replyMs: this.replyMs,
      onFrame: (frame) => analyzer.onFrame(frame),
      onRtp: (packet, arrivedAt) => {
        rtp.record(packet, arrivedAt);
        analyzer.onPacket(arrivedAt, packet.timestamp);
      },
      // Decoding is most of a listener's cost: only around the burst onsets the analyser probes.
      ...(process.env.LOOPCAST_BENCH_DECODE_ALL ? {} : { decodeWhen: (arrivedAt: number) => analyzer.wantsAudio(arrivedAt) }),
      ...(this.options.bindAddress ? { bindAddress: this.options.bindAddress } : {}),
      mutedUplink: this.scenario.idleUplink === 'dtx',
    });
    this.setupMs.push(op.setupMs);
    const armed = this.scenario.idleArmed;
    for (const [i, loop] of monitoredLoops(this.scenario, index).entries()) await op.switch(this.loopId(loop), armed && i === 0 ? 'send' : 'recv');
    return { index, op, analyzer, rtp };
  }

  private loopId(loop: number): string {
    return (this.options.loopId ?? ((i: number) => `l${i}`))(loop);
  }

  private async startSlot(slot: Slot): Promise<void> {
    const holder = this.members.find((m) => m.index === slotOperator(this.scenario, this.options.placement ?? this.scenario.operators, slot.slot, this.round));
    if (!holder) return; // its operator failed to connect
    await holder.op.switch(slot.loop, 'send');
    // A random start: talkers do not press the key in the same millisecond, and the bursts' phase
    // against the server's 20 ms mixing tick (which moves the latency by up to a frame) varies.
    // Every slot has its own rhythm (see slotPattern), so spot checks do not keep landing on the same
    // moment of the other talkers' bursts.
    const pattern = slotPattern(this.scenario.talk, slot.slot);
    await sleep(Math.random() * (pattern.burstMs + pattern.pauseMs));
    slot.holder = holder;
    slot.startedAt = performance.now();
    slot.announced = undefined;
    await holder.op.talk(
      slot.loop,
      burstSource(
        slot.frequency,
        pattern,
        (at) => this.onOnset(slot, at),
        () => this.onUpcoming(slot),
      ),
    );
  }

  private async stopSlot(slot: Slot): Promise<void> {
    const holder = slot.holder;
    if (!holder) return;
    slot.holder = undefined;
    this.publish({ type: 'released', slot: slot.slot });
    await holder.op.stopTalking(slot.loop);
    const inWindow = monitoredLoops(this.scenario, holder.index).some((l) => this.loopId(l) === slot.loop);
    const back: LoopState = inWindow ? 'recv' : 'none';
    await holder.op.switch(slot.loop, back);
  }

  /** A burst of `slot` starts in a few frames: every listener of every shard gets ready to probe it. */
  private onUpcoming(slot: Slot): void {
    const holder = slot.holder;
    const now = performance.now();
    slot.announced = undefined;
    if (!holder || now - slot.startedAt < SETTLE_MS) return;
    const key = `${slot.slot}.${slot.bursts}`;
    const spot = slot.bursts++ % SPOT_CHECK_EVERY === 0;
    slot.announced = key;
    this.publish({ type: 'burst', key, slot: slot.slot, loop: slot.loop, frequency: slot.frequency, holder: holder.index, startedAt: toMono(slot.startedAt), spot, announcedAt: toMono(now) });
  }

  /** The announced burst's first frame was produced at `at`: the onset every latency sample counts from. */
  private onOnset(slot: Slot, at: number): void {
    const key = slot.announced;
    slot.announced = undefined;
    if (key !== undefined && slot.holder) this.publish({ type: 'onset', key, at: toMono(at) });
  }

  /**
   * A burst was announced: every listener gets a probe (expected, own voice, or a spot check). A probe
   * is classified now and re-checked when it ends: if the slot changed hands or the listener's state on
   * the loop changed meanwhile, it is dropped (at a handover the next holder legitimately hears the
   * previous holder's last frames, at the same slot tone).
   */
  private probe(e: Extract<SlotEvent, { type: 'burst' }>): void {
    this.holders.set(e.slot, { holder: e.holder, startedAt: e.startedAt });
    const announcedAt = fromMono(e.announcedAt);
    for (const m of this.members) {
      const changedAt = m.op.changedAt.get(e.loop) ?? 0;
      if (announcedAt - changedAt < SETTLE_MS) continue;
      const kind = m.index === e.holder ? 'own' : m.op.monitors(e.loop) ? 'expected' : 'unexpected';
      if (kind !== 'expected' && !e.spot) continue;
      const valid = (): boolean => {
        const now = this.holders.get(e.slot);
        return now?.holder === e.holder && now.startedAt === e.startedAt && (m.op.changedAt.get(e.loop) ?? 0) === changedAt;
      };
      m.analyzer.addProbe(e.slot, e.frequency, announcedAt, kind, valid, e.key);
    }
  }
}
