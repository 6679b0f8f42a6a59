// Runs one scenario end to end and returns its BenchResult: starts a Loopcast server unless a URL is
// given, connects the fleet, lets the talkers talk (rotating if the scenario says so), measures one
// window — or, for ramps, one window per step — and tears everything down.
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { DEFAULT_ACCOUNTS, type BenchAccounts } from './directory.js';
import { ProcSampler } from './proc-sampler.js';
import { runRamp } from './ramp.js';
import { saturatedSide, type Budgets } from './saturation.js';
import { audioSummary, cost, decodedPercent, summarize, type BenchResult, type RampStep } from './result.js';
import type { Scenario } from './scenario.js';
import { startBenchServer, type BenchServer } from './server.js';
import { countersDelta, scrapeMediaCounters } from './server-metrics.js';
import { ShardedFleet } from './sharded-fleet.js';
import { round, sleep } from './stats.js';
import { toMono } from './clock.js';
import { MeasureWindow, type WindowResult } from './window.js';

export interface RunOptions {
  scenario: Scenario;
  /** wss://host:port/api of any openvocs-protocol backend; without it a Loopcast is started. */
  url?: string;
  accounts?: BenchAccounts;
  /** Server processes to sample (added to the self-started server's PID). */
  pids?: number[];
  log?: (line: string) => void;
  /** Local address for the operators' WebRTC clients (default 127.0.0.1). */
  bindAddress?: string;
  /** CPU list (taskset syntax, e.g. "1") for the self-started server; the generator pins itself in load.ts. */
  serverCpus?: string;
  /** A CPU budget for the self-started server in cores (cgroup v1 CFS quota), e.g. 0.5. */
  serverCpuQuota?: number;
  /** The quota's CFS period in µs (default cpu-quota.ts DEFAULT_PERIOD_US). */
  serverCpuPeriodUs?: number;
  /** CPU budgets of the server and of the load generator, to tell which side saturated in a ramp (see budgets()). */
  budgets?: Budgets;
  /** Load-generator processes to split the operators over (default: the scenario's generatorShards). */
  generatorShards?: number;
}

export async function runScenario(options: RunOptions): Promise<BenchResult> {
  const { scenario } = options;
  const accounts = options.accounts ?? DEFAULT_ACCOUNTS;
  const log = options.log ?? (() => undefined);
  const loadAtStart = loadavg().map((x) => round(x, 2));
  let server: BenchServer | undefined;
  if (!options.url) {
    server = await startBenchServer(scenario.operators, scenario.loops, accounts, {
      ...(options.serverCpus ? { cpus: options.serverCpus } : {}),
      ...(options.serverCpuQuota ? { cpuQuota: { cores: options.serverCpuQuota, machineCores: cpus().length, ...(options.serverCpuPeriodUs ? { periodUs: options.serverCpuPeriodUs } : {}) } } : {}),
    });
    log(`started Loopcast pid ${server.pid} at ${server.apiUrl}${server.cpuBudget ? ` on a budget of ${server.cpuBudget.cores} core per ${server.cpuBudget.periodUs / 1000} ms period` : ''}`);
  }
  const url = options.url ?? (server as BenchServer).apiUrl;
  const serverPids = [...(server ? [server.pid] : []), ...(options.pids ?? [])];
  const placement = scenario.stress?.start ?? scenario.operators;
  let fleet: ShardedFleet;
  try {
    fleet = await ShardedFleet.start({
      scenario,
      url,
      accounts,
      placement,
      shards: options.generatorShards ?? scenario.generatorShards,
      ...(options.bindAddress ? { bindAddress: options.bindAddress } : {}),
    });
  } catch (err) {
    await server?.stop();
    throw err;
  }
  const serverSampler = new ProcSampler(serverPids).start();
  const clientSampler = new ProcSampler(fleet.pids()).start();
  if (fleet.shardCount > 1) log(`load generator: ${fleet.shardCount} shard processes (shard 0 holds the talkers), pids ${fleet.pids().join(', ')}`);
  try {
    const failed = await fleet.grow(placement);
    log(`${fleet.size} operators connected (${failed} failed)`);
    if (fleet.size === 0) throw new Error(`no operator could connect: ${fleet.errors.slice(0, 3).join('; ')}`);
    await fleet.startTalkers();
    await sleep(scenario.warmupSeconds * 1000);
    let window: WindowResult;
    let ramp: BenchResult['ramp'];
    let serverMedia: BenchResult['serverMedia'];
    if (scenario.stress) {
      const budget = server?.cpuBudget;
      const r = await runRamp(fleet, scenario, () => MeasureWindow.open(fleet, serverSampler, clientSampler, budget?.stat), log, server ? () => scrapeMediaCounters(url) : undefined);
      const saturated = saturatedSide(r.last, options.budgets ?? { server: cpus().length, generator: cpus().length }, r.limitsBroke);
      log(`ramp ended: ${saturated}`);
      ramp = { steps: r.steps, maxOperators: r.maxOperators, stoppedBecause: r.stoppedBecause, saturated };
      window = r.best ?? r.last;
    } else {
      const countersBefore = await scrapeMediaCounters(url);
      const measure = await MeasureWindow.open(fleet, serverSampler, clientSampler, server?.cpuBudget?.stat);
      const measureFrom = toMono(performance.now());
      const mutedBefore = (await fleet.snapshot(Infinity)).mutedPackets;
      await talkFor(fleet, scenario, log);
      window = await measure.end();
      const after = await fleet.snapshot(measureFrom);
      // Every onset → listener sample of the window, for looking at the distribution (not only p50/p99).
      const dump = process.env.LOOPCAST_BENCH_LATENCIES;
      if (dump) await writeFile(dump, JSON.stringify(after.latencies.map((s) => s.ms)));
      const countersAfter = await scrapeMediaCounters(url);
      if (countersBefore && countersAfter) serverMedia = { ...countersDelta(countersBefore, countersAfter), mutedPacketsSent: after.mutedPackets - mutedBefore };
    }
    await fleet.stopTalkers();
    await sleep(500);
    const report = await fleet.report();
    const heard = report.hearing;
    const result: BenchResult = {
      scenario: scenario.name,
      description: scenario.description,
      date: new Date().toISOString(),
      server: options.url ?? 'self-started Loopcast (node bin/loopcast.js start)',
      machine: { cpus: cpus().length, node: process.version, loadAverage: { start: loadAtStart, end: loadavg().map((x) => round(x, 2)) } },
      operators: window.operators,
      failedOperators: report.errors.length,
      loops: scenario.loops,
      talkers: scenario.talkers,
      durationSeconds: window.seconds,
      setupMs: summarize(report.setupMs),
      replyMs: report.replyMs.summaries(),
      latencyMs: window.latencyMs,
      lossPercent: window.lossPercent,
      jitterMs: window.jitterMs,
      stalls: window.stalls,
      missedBursts: report.missedBursts,
      audio: { ...audioSummary(heard), decodedPercent: decodedPercent(report.decoded) },
      hearing: heard,
      serverCost: cost(window.server, window.operators),
      clientCost: { ...cost(window.client, window.operators), eventLoopDelayP99Ms: window.client.eventLoopDelayP99Ms },
      ...(fleet.shardCount > 1 ? { generatorShards: fleet.shardCount } : {}),
      ...(ramp ? { ramp } : {}),
      ...(serverMedia ? { serverMedia } : {}),
      errors: report.errors.slice(0, 20),
    };
    return result;
  } finally {
    serverSampler.stop();
    clientSampler.stop();
    await fleet.close();
    await server?.stop();
  }
}

/** Waits out the measurement window, rotating the talker slots when the scenario asks for it. */
async function talkFor(fleet: ShardedFleet, scenario: Scenario, log: (line: string) => void): Promise<void> {
  const end = performance.now() + scenario.durationSeconds * 1000;
  const every = scenario.rotateSeconds * 1000;
  for (;;) {
    const left = end - performance.now();
    if (left <= 0) return;
    if (every <= 0 || left <= every) {
      await sleep(left);
      return;
    }
    await sleep(every);
    await fleet.rotate();
    log('talkers rotated');
  }
}

export type { RampStep };
