// A shard of the load generator: a share of the operators in a process of its own (ChildShard) or in
// this one (LocalShard, the whole fleet when there is one shard). Each shard's event loop stamps its own
// operators' arrivals and sends its own talkers' frames, so one loop's load no longer delays every
// operator's timing; the coordinator (sharded-fleet.ts) assigns operators, relays slot events and
// merges the measures.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RtpCounts } from '../../src/media/rtp/receive-stats.js';
import type { BenchAccounts } from './directory.js';
import { Fleet } from './fleet.js';
import type { Hearing } from './result.js';
import type { Scenario } from './scenario.js';
import type { SlotEvent } from './slot-events.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./shard-child.ts', import.meta.url));

export interface ShardSnapshot {
  operators: number;
  rtp: RtpCounts[];
  /** Sum of the RFC 3550 jitter of the operators that received audio, and how many did. */
  jitterSumMs: number;
  listening: number;
  /** Latency samples whose onset (monotonic ms, clock.ts) lies after the asked time. */
  latencies: Array<{ onset: number; ms: number; listener: number }>;
  /** This shard's event-loop delay p99 since its previous snapshot. */
  loopDelayP99Ms: number;
  mutedPackets: number;
}

export interface ShardReport {
  hearing: Array<{ index: number; hearing: Hearing }>;
  missedBursts: number;
  decoded: { received: number; undecoded: number };
  setupMs: number[];
  replyMs: Record<string, number[]>;
  errors: string[];
}

export interface ShardInit {
  scenario: Scenario;
  url: string;
  accounts: BenchAccounts;
  placement: number;
  bindAddress?: string;
  ownsSlots: boolean;
  connectConcurrency: number;
}

export interface GrowResult {
  failed: number;
  errors: string[];
}

/** Grows `fleet` and returns the failures of this growth. */
export async function growFleet(fleet: Fleet, indexes: number[]): Promise<GrowResult> {
  const before = fleet.errors.length;
  const failed = await fleet.grow(indexes);
  return { failed, errors: fleet.errors.slice(before) };
}

export interface Shard {
  /** The process the shard's operators run in. */
  readonly pid: number;
  /** Connects the operators `indexes`: how many failed and why. */
  grow(indexes: number[]): Promise<GrowResult>;
  startTalkers(): Promise<void>;
  stopTalkers(): Promise<void>;
  rotate(): Promise<void>;
  snapshot(sinceMono: number): Promise<ShardSnapshot>;
  report(): Promise<ShardReport>;
  /** A slot event of another shard. */
  receive(event: SlotEvent): void;
  close(): Promise<void>;
}

/** The fleet of one shard, as both kinds of shard build it. */
export function shardFleet(init: ShardInit, publish: (event: SlotEvent) => void): Fleet {
  const { accounts, url } = init;
  return new Fleet({
    scenario: init.scenario,
    login: (i) => ({ url, user: `${accounts.userPrefix}${i}`, password: accounts.password, role: accounts.role }),
    placement: init.placement,
    loopId: (l) => `${accounts.loopPrefix}${l}`,
    ...(init.bindAddress ? { bindAddress: init.bindAddress } : {}),
    ownsSlots: init.ownsSlots,
    publish,
    connectConcurrency: init.connectConcurrency,
  });
}

export class LocalShard implements Shard {
  readonly pid = process.pid;
  readonly fleet: Fleet;

  constructor(init: ShardInit, publish: (event: SlotEvent) => void) {
    this.fleet = shardFleet(init, publish);
  }

  grow(indexes: number[]): Promise<GrowResult> {
    return growFleet(this.fleet, indexes);
  }
  startTalkers(): Promise<void> {
    return this.fleet.startTalkers();
  }
  stopTalkers(): Promise<void> {
    return this.fleet.stopTalkers();
  }
  rotate(): Promise<void> {
    return this.fleet.rotate();
  }
  snapshot(sinceMono: number): Promise<ShardSnapshot> {
    return Promise.resolve(this.fleet.snapshot(sinceMono));
  }
  report(): Promise<ShardReport> {
    return Promise.resolve(this.fleet.report());
  }
  receive(event: SlotEvent): void {
    this.fleet.receive(event);
  }
  close(): Promise<void> {
    return this.fleet.close();
  }
}

/** Messages between the coordinator and a child shard (shard-child.ts). */
export type ToChild = { type: 'init'; init: ShardInit } | { type: 'call'; id: number; method: ShardMethod; args: unknown[] } | { type: 'event'; event: SlotEvent };
export type FromChild = { type: 'ready' } | { type: 'reply'; id: number; result?: unknown; error?: string } | { type: 'event'; event: SlotEvent };
export type ShardMethod = 'grow' | 'startTalkers' | 'stopTalkers' | 'rotate' | 'snapshot' | 'report' | 'close';

const CLOSE_TIMEOUT_MS = 15_000;

export class ChildShard implements Shard {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited: Error | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly pid: number,
  ) {}

  /** Starts a shard process (TypeScript through tsx, like the bench itself) and sends it its share of the setup. */
  static async start(init: ShardInit, onEvent: (event: SlotEvent) => void): Promise<ChildShard> {
    const child = fork(CHILD, [], { cwd: ROOT, execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    if (child.pid === undefined) throw new Error('load generator shard did not start');
    const shard = new ChildShard(child, child.pid);
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('load generator shard not ready within 30 s')), 30_000);
      child.on('message', (msg: FromChild) => {
        if (msg.type === 'ready') {
          clearTimeout(timer);
          resolve();
        } else if (msg.type === 'event') onEvent(msg.event);
        else shard.settle(msg);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        shard.exited = new Error(`load generator shard ${child.pid} exited (${signal ?? code})`);
        for (const p of shard.pending.values()) p.reject(shard.exited);
        shard.pending.clear();
        reject(shard.exited);
      });
    });
    child.send({ type: 'init', init } satisfies ToChild);
    await ready;
    return shard;
  }

  grow(indexes: number[]): Promise<GrowResult> {
    return this.call('grow', indexes) as Promise<GrowResult>;
  }
  startTalkers(): Promise<void> {
    return this.call('startTalkers') as Promise<void>;
  }
  stopTalkers(): Promise<void> {
    return this.call('stopTalkers') as Promise<void>;
  }
  rotate(): Promise<void> {
    return this.call('rotate') as Promise<void>;
  }
  snapshot(sinceMono: number): Promise<ShardSnapshot> {
    return this.call('snapshot', sinceMono) as Promise<ShardSnapshot>;
  }
  report(): Promise<ShardReport> {
    return this.call('report') as Promise<ShardReport>;
  }

  receive(event: SlotEvent): void {
    if (!this.exited && this.child.connected) this.child.send({ type: 'event', event } satisfies ToChild);
  }

  /** Closes the operators (logout), then the process; kills it if it does not end in time. */
  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    const timer = setTimeout(() => this.child.kill('SIGKILL'), CLOSE_TIMEOUT_MS);
    await this.call('close').catch(() => this.child.kill('SIGKILL'));
    await gone;
    clearTimeout(timer);
  }

  private call(method: ShardMethod, ...args: unknown[]): Promise<unknown> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ type: 'call', id, method, args } satisfies ToChild);
    });
  }

  private settle(msg: Extract<FromChild, { type: 'reply' }>): void {
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.error !== undefined) p.reject(new Error(msg.error));
    else p.resolve(msg.result);
  }
}
