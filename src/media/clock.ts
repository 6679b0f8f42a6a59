// The engine's one global 20 ms clock. Deadlines are computed from the start time
// (start + index * period), never by adding periods to "now", so the clock cannot drift; it runs on
// hrtime deadlines with a thin setTimeout adapter (never setInterval) and only while subscribed.

export const TICK_NS = 20_000_000n;

export interface TickPlan {
  /** Index of the tick to run now (0 = first tick after start). */
  index: number;
  /** Its deadline on the hrtime axis. */
  deadlineNs: bigint;
  /** How far past its deadline it runs (>= 0). */
  lateNs: bigint;
  /** Ticks given up before this one because they were too late to be worth running. */
  skipped: number;
}

/** Deadline of tick `index`: pure arithmetic from the start, so error never accumulates. */
export function deadlineOf(startNs: bigint, periodNs: bigint, index: number): bigint {
  return startNs + BigInt(index) * periodNs;
}

/**
 * Pure scheduling core. Given the next tick due and the current time, returns the tick to run, or
 * undefined if it is not due yet. A tick at most `maxLateTicks` periods late runs (the caller then
 * catches up tick by tick); beyond that the clock jumps to the latest due tick and counts the
 * skipped ones, because a burst of stale ticks would only add latency.
 */
export function planTick(
  startNs: bigint,
  periodNs: bigint,
  nextIndex: number,
  nowNs: bigint,
  maxLateTicks: number,
): TickPlan | undefined {
  const deadlineNs = deadlineOf(startNs, periodNs, nextIndex);
  if (nowNs < deadlineNs) return undefined;
  const lateNs = nowNs - deadlineNs;
  if (lateNs <= BigInt(maxLateTicks) * periodNs) return { index: nextIndex, deadlineNs, lateNs, skipped: 0 };
  const index = Number((nowNs - startNs) / periodNs);
  const d = deadlineOf(startNs, periodNs, index);
  return { index, deadlineNs: d, lateNs: nowNs - d, skipped: index - nextIndex };
}

/** Milliseconds to wait for a deadline; floored, so the timer may wake early and re-arm (never late by design). */
export function delayMs(nowNs: bigint, deadlineNs: bigint): number {
  return deadlineNs <= nowNs ? 0 : Number((deadlineNs - nowNs) / 1_000_000n);
}

export interface Tick {
  index: number;
  deadlineNs: bigint;
  lateNs: number;
  skipped: number;
}

export type TickListener = (tick: Tick) => void;

export interface TimerApi {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface ClockOptions {
  periodNs?: bigint;
  /** Ticks later than this many periods are skipped (default 3 = 60 ms). */
  maxLateTicks?: number;
  now?: () => bigint;
  timers?: TimerApi;
  /** Called when a subscriber throws; the clock keeps running. Default: rethrow asynchronously. */
  onError?: (err: unknown) => void;
}

export interface ClockStats {
  ticks: number;
  skipped: number;
  maxLateNs: number;
  lastLateNs: number;
  errors: number;
}

const realTimers: TimerApi = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class TickClock {
  readonly stats: ClockStats = { ticks: 0, skipped: 0, maxLateNs: 0, lastLateNs: 0, errors: 0 };
  private readonly periodNs: bigint;
  private readonly maxLateTicks: number;
  private readonly now: () => bigint;
  private readonly timers: TimerApi;
  private readonly onError: (err: unknown) => void;
  private readonly listeners = new Set<TickListener>();
  private startNs = 0n;
  private nextIndex = 0;
  private timer: unknown = undefined;
  private closed = false;

  constructor(opts: ClockOptions = {}) {
    this.periodNs = opts.periodNs ?? TICK_NS;
    this.maxLateTicks = opts.maxLateTicks ?? 3;
    this.now = opts.now ?? (() => process.hrtime.bigint());
    this.timers = opts.timers ?? realTimers;
    this.onError = opts.onError ?? ((err) => queueMicrotask(() => { throw err; }));
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  /**
   * Adds a listener; the first one starts the clock, its first tick `firstDelayMs` from now (default
   * one period; a talk spurt waiting to start asks for less). Returns the unsubscribe function.
   */
  subscribe(fn: TickListener, firstDelayMs?: number): () => void {
    if (this.closed) throw new Error('TickClock is closed');
    this.listeners.add(fn);
    if (this.listeners.size === 1) this.start(firstDelayMs);
    return () => this.unsubscribe(fn);
  }

  unsubscribe(fn: TickListener): void {
    if (this.listeners.delete(fn) && this.listeners.size === 0) this.stop();
  }

  /** Stops the clock for good and drops all listeners. */
  close(): void {
    this.closed = true;
    this.listeners.clear();
    this.stop();
  }

  private start(firstDelayMs: number | undefined): void {
    // Subscribers never run synchronously inside subscribe(): the first tick is a timer away.
    const delayNs = firstDelayMs === undefined ? this.periodNs : BigInt(Math.max(0, Math.round(firstDelayMs * 1e6)));
    this.startNs = this.now() + (delayNs < this.periodNs ? delayNs : this.periodNs);
    this.nextIndex = 0;
    this.arm();
  }

  private stop(): void {
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    const deadline = deadlineOf(this.startNs, this.periodNs, this.nextIndex);
    this.timer = this.timers.set(this.fire, delayMs(this.now(), deadline));
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    if (this.listeners.size === 0) return;
    const plan = planTick(this.startNs, this.periodNs, this.nextIndex, this.now(), this.maxLateTicks);
    if (plan) {
      const lateNs = Number(plan.lateNs);
      const tick: Tick = { index: plan.index, deadlineNs: plan.deadlineNs, lateNs, skipped: plan.skipped };
      this.stats.ticks++;
      this.stats.skipped += plan.skipped;
      this.stats.lastLateNs = lateNs;
      if (lateNs > this.stats.maxLateNs) this.stats.maxLateNs = lateNs;
      this.nextIndex = plan.index + 1;
      for (const fn of this.listeners) {
        try {
          fn(tick);
        } catch (err) {
          this.stats.errors++;
          this.onError(err);
        }
      }
    }
    // A listener may have unsubscribed the last listener (stop) or closed the clock.
    if (this.listeners.size > 0 && this.timer === undefined) this.arm();
  };
}
