// The simulated operators of one run: connects them (with bounded concurrency), sets up their
// monitored loops, drives the talker slots (talk, rotate) and tells every listener which burst
// onsets to look for, and whether it should hear them (from the states the server confirmed).
import { burstSource, slotFrequencies, slotPattern } from './talk.js';
import { LoadOperator, type LoopState, type OperatorLogin } from './operator.js';
import { RtpReceiveStats, type RtpCounts } from '../../src/media/rtp/receive-stats.js';
import { monitoredLoops, slotLoop, slotOperator, type Scenario } from './scenario.js';
import { SeriesRecorder, sleep } from './stats.js';
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
}

export class Fleet {
  readonly members: Member[] = [];
  readonly setupMs: number[] = [];
  readonly errors: string[] = [];
  readonly replyMs = new SeriesRecorder();
  private readonly slots: Slot[];
  private round = 0;

  constructor(
    readonly scenario: Scenario,
    private readonly login: (index: number) => OperatorLogin,
    /** Operators the talker slots are spread over (the initial fleet for ramps). */
    private readonly placement = scenario.operators,
    private readonly loopId: (index: number) => string = (i) => `l${i}`,
    /** Local address of every operator's WebRTC client (another namespace or host needs a routable one). */
    private readonly bindAddress?: string,
  ) {
    const frequencies = slotFrequencies(scenario.talkers);
    this.slots = Array.from({ length: Math.min(scenario.talkers, placement) }, (_, t) => ({
      slot: t,
      loop: loopId(slotLoop(scenario, t)),
      frequency: frequencies[t] as number,
      holder: undefined,
      startedAt: 0,
      bursts: 0,
    }));
  }

  /** Connects operators until `target` exist; returns how many failed. */
  async grow(target: number): Promise<number> {
    const queue = Array.from({ length: Math.max(0, target - this.members.length) }, (_, k) => this.members.length + k);
    let failed = 0;
    const worker = async (): Promise<void> => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
        try {
          this.members.push(await this.connect(i));
        } catch (err) {
          failed++;
          this.errors.push(`${this.login(i).user}: ${(err as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: this.scenario.connectConcurrency }, worker));
    this.members.sort((a, b) => a.index - b.index);
    return failed;
  }

  /** Gives every talker slot to its operator of rotation round `round` and starts the bursts. */
  async startTalkers(): Promise<void> {
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

  rtpCounts(): RtpCounts[] {
    return this.members.map((m) => m.rtp.counts());
  }

  latencies(from: number, to = Infinity): number[] {
    const out: number[] = [];
    for (const m of this.members) for (const s of m.analyzer.latencies) if (s.onset >= from && s.onset < to) out.push(s.ms);
    return out;
  }

  /** Finishes probes whose window has passed, so hearing counts are complete. */
  settle(): void {
    const now = performance.now();
    for (const m of this.members) m.analyzer.expire(now);
  }

  /** DTX packets the operators sent while muted (scenario idleUplink 'dtx'). */
  mutedPackets(): number {
    return this.members.reduce((n, m) => n + m.op.mutedPackets, 0);
  }

  frequencies(): number[] {
    return this.slots.map((s) => s.frequency);
  }

  async close(): Promise<void> {
    await Promise.all(this.members.map((m) => m.op.close()));
  }

  private async connect(index: number): Promise<Member> {
    const analyzer = new ToneAnalyzer();
    const rtp = new RtpReceiveStats({ jitter: 'spurt' });
    const op = await LoadOperator.connect(this.login(index), {
      replyMs: this.replyMs,
      onFrame: (frame) => analyzer.onFrame(frame),
      onRtp: (packet, arrivedAt) => {
        rtp.record(packet, arrivedAt);
        analyzer.onPacket(arrivedAt, packet.timestamp);
      },
      // Decoding is most of a listener's cost: only around the burst onsets the analyser probes.
      ...(process.env.LOOPCAST_BENCH_DECODE_ALL ? {} : { decodeWhen: (arrivedAt: number) => analyzer.wantsAudio(arrivedAt) }),
      ...(this.bindAddress ? { bindAddress: this.bindAddress } : {}),
      mutedUplink: this.scenario.idleUplink === 'dtx',
    });
    this.setupMs.push(op.setupMs);
    const armed = this.scenario.idleArmed;
    for (const [i, loop] of monitoredLoops(this.scenario, index).entries()) await op.switch(this.loopId(loop), armed && i === 0 ? 'send' : 'recv');
    return { index, op, analyzer, rtp };
  }

  private async startSlot(slot: Slot): Promise<void> {
    const holder = this.members.find((m) => m.index === slotOperator(this.scenario, this.placement, slot.slot, this.round));
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
    await holder.op.talk(slot.loop, burstSource(slot.frequency, pattern, (at) => this.onOnset(slot, at)));
  }

  private async stopSlot(slot: Slot): Promise<void> {
    const holder = slot.holder;
    if (!holder) return;
    slot.holder = undefined;
    await holder.op.stopTalking(slot.loop);
    const inWindow = monitoredLoops(this.scenario, holder.index).some((l) => this.loopId(l) === slot.loop);
    const back: LoopState = inWindow ? 'recv' : 'none';
    await holder.op.switch(slot.loop, back);
  }

  /**
   * A burst of `slot` started: every listener gets a probe (expected, own voice, or a spot check). A probe
   * is classified now and re-checked when it ends: if the slot changed hands or the listener's state on
   * the loop changed meanwhile, it is dropped (at a handover the next holder legitimately hears the
   * previous holder's last frames, at the same slot tone).
   */
  private onOnset(slot: Slot, at: number): void {
    const holder = slot.holder;
    if (!holder || at - slot.startedAt < SETTLE_MS) return;
    const spot = slot.bursts++ % SPOT_CHECK_EVERY === 0;
    const startedAt = slot.startedAt;
    for (const m of this.members) {
      const changedAt = m.op.changedAt.get(slot.loop) ?? 0;
      if (at - changedAt < SETTLE_MS) continue;
      const kind = m === holder ? 'own' : m.op.monitors(slot.loop) ? 'expected' : 'unexpected';
      if (kind !== 'expected' && !spot) continue;
      const valid = (): boolean => slot.holder === holder && slot.startedAt === startedAt && (m.op.changedAt.get(slot.loop) ?? 0) === changedAt;
      m.analyzer.addProbe(slot.slot, slot.frequency, at, kind, valid);
    }
  }
}
