// The JSON result of one load-tool run (written by --json, compared by `bench compare`), and how
// it is assembled from the fleet's measures.
import type { Member } from './fleet.js';
import { round, summarize, type Summary } from './stats.js';

export interface Cost {
  cpuPercent: number;
  cpuPercentPerOperator: number;
  rssMb: number;
}

export interface Hearing {
  user: string;
  /** Talker slots this listener should hear (had expected bursts). */
  expected: number[];
  /** …and did hear (≥ half of the bursts detected). */
  heard: number[];
  /** Talker slots heard although they should not be (≥ a quarter of the spot checks). */
  unexpected: number[];
  /** Spot checks made for talkers this listener must not hear (0 would make `unexpected` vacuous). */
  spotChecks: number;
  /** Own voice: checks while this listener held a slot, and how many heard its own tone (mix-minus). */
  ownVoice: { checks: number; heard: number };
  /** Probes dropped because the slot holder or this listener's state changed before they ended. */
  droppedProbes: number;
  /** …of which announced bursts whose onset message came too late (or never: the talker stopped). */
  unconfirmedProbes: number;
  meanLevelDbfs: number | null;
}

export interface RampStep {
  operators: number;
  lossPercent: number;
  stalls: number;
  latencyMs: Summary;
  serverCpuPercent: number;
  /** With a server CPU quota: % of CFS periods in which the server used up its budget. */
  serverThrottledPercent?: number;
  /** With a server CPU quota: % of the window's time in which the quota held the server stopped. */
  serverStoppedPercent?: number;
  /** Self-started Loopcast: % of the window's mixing ticks that ran more than 10 ms after their deadline. */
  serverLateTicksPercent?: number;
  clientCpuPercent: number;
  clientEventLoopDelayP99Ms: number;
  /** With several load-generator shards: each one's (shard 0 holds the talkers). */
  clientShardEventLoopDelayP99Ms?: number[];
  ok: boolean;
}

export interface BenchResult {
  scenario: string;
  description: string;
  date: string;
  server: string;
  /** Load average (1, 5, 15 min) when the run started and ended: the machine is shared. */
  machine: { cpus: number; node: string; loadAverage?: { start: number[]; end: number[] } };
  operators: number;
  failedOperators: number;
  loops: number;
  talkers: number;
  durationSeconds: number;
  setupMs: Summary;
  /**
   * The server's media counters over the window (self-started Loopcast only): clock ticks, packets in/out,
   * decodes, encodes; and the DTX packets the muted operators sent (scenario idleUplink 'dtx').
   */
  serverMedia?: { rtpIn: number; rtpOut: number; decodes: number; encodes: number; clockTicks: number; mutedPacketsSent: number };
  replyMs: Record<string, Summary>;
  latencyMs: Summary;
  lossPercent: number;
  jitterMs: number;
  stalls: number;
  missedBursts: number;
  audio: {
    listeners: number;
    expectedPairs: number;
    heardPairs: number;
    unexpectedPairs: number;
    /** Own-voice checks that heard the listener's own tone (must be 0: mix-minus), of how many. */
    ownVoiceHeard: number;
    ownVoiceChecks: number;
    droppedProbes: number;
    unconfirmedProbes: number;
    meanLevelDbfs: number | null;
    /** Downlink packets the listeners decoded, % of those received (the rest was not analysed). */
    decodedPercent?: number;
  };
  hearing: Hearing[];
  serverCost: Cost;
  clientCost: Cost & { eventLoopDelayP99Ms: number };
  /** Load-generator processes the operators ran in (absent: one, this process). */
  generatorShards?: number;
  /** `saturated`: which side was the limit at the end (server, load generator, both, neither) and why. */
  ramp?: { steps: RampStep[]; maxOperators: number; stoppedBecause: string; saturated: string };
  errors: string[];
}

/** Per-listener hearing from the analyzers (expire their probes first). */
export function hearing(members: readonly Member[]): Hearing[] {
  return members.map((m) => {
    const expected: number[] = [];
    const heard: number[] = [];
    const unexpected: number[] = [];
    let levelSum = 0;
    let levels = 0;
    let spotChecks = 0;
    const ownVoice = { checks: 0, heard: 0 };
    let droppedProbes = 0;
    let unconfirmedProbes = 0;
    for (const [slot, s] of [...m.analyzer.slots].sort(([a], [b]) => a - b)) {
      if (s.expectedBursts > 0) expected.push(slot);
      if (s.expectedBursts > 0 && s.heardBursts * 2 >= s.expectedBursts) heard.push(slot);
      if (s.unexpectedChecks > 0 && s.unexpectedHeard * 4 >= s.unexpectedChecks) unexpected.push(slot);
      spotChecks += s.unexpectedChecks;
      ownVoice.checks += s.ownChecks;
      ownVoice.heard += s.ownHeard;
      droppedProbes += s.dropped;
      unconfirmedProbes += s.unconfirmed;
      levelSum += s.levelSumDbfs;
      levels += s.levels;
    }
    return { user: m.op.user, expected, heard, unexpected, spotChecks, ownVoice, droppedProbes, unconfirmedProbes, meanLevelDbfs: levels ? round(levelSum / levels) : null };
  });
}

export function audioSummary(list: Hearing[]): BenchResult['audio'] {
  const withLevel = list.filter((h) => h.meanLevelDbfs !== null);
  return {
    ownVoiceHeard: list.reduce((n, h) => n + h.ownVoice.heard, 0),
    ownVoiceChecks: list.reduce((n, h) => n + h.ownVoice.checks, 0),
    droppedProbes: list.reduce((n, h) => n + h.droppedProbes, 0),
    unconfirmedProbes: list.reduce((n, h) => n + h.unconfirmedProbes, 0),
    listeners: list.length,
    expectedPairs: list.reduce((n, h) => n + h.expected.length, 0),
    heardPairs: list.reduce((n, h) => n + h.heard.length, 0),
    unexpectedPairs: list.reduce((n, h) => n + h.unexpected.length, 0),
    meanLevelDbfs: withLevel.length ? round(withLevel.reduce((s, h) => s + (h.meanLevelDbfs ?? 0), 0) / withLevel.length) : null,
  };
}

/** Downlink packets received and left undecoded, over the whole run. */
export function decodedCounts(members: readonly Member[]): { received: number; undecoded: number } {
  let received = 0;
  let undecoded = 0;
  for (const m of members) {
    received += m.op.media.stats.received;
    undecoded += m.op.media.stats.undecoded;
  }
  return { received, undecoded };
}

/** Downlink packets decoded, % of those received. */
export function decodedPercent(counts: { received: number; undecoded: number }): number {
  return counts.received ? round((100 * (counts.received - counts.undecoded)) / counts.received) : 0;
}

/** Expected bursts that no listener detected within 300 ms of their onset. */
export function missedBursts(members: readonly Member[]): number {
  let missed = 0;
  for (const m of members) for (const s of m.analyzer.slots.values()) missed += s.expectedBursts - s.heardBursts;
  return missed;
}

export function cost(window: { cpuPercent: number; rssMb: number }, operators: number): Cost {
  return { cpuPercent: round(window.cpuPercent, 2), cpuPercentPerOperator: round(operators ? window.cpuPercent / operators : 0, 3), rssMb: window.rssMb };
}

export { summarize };
