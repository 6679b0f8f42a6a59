// Reconnect schedule (LiveKit-style injectable policy). Delay before attempt n (0-based):
//   base · factor^n, capped at max, then ± jitter: 0.5 s, 1 s, 2 s, 4 s, 8 s, 10 s, 10 s … (±20 %).
// Jitter spreads a control room's clients over time after a server restart instead of a thundering herd.
export interface ReconnectPolicyOptions {
  baseMs?: number;
  factor?: number;
  maxMs?: number;
  /** Fraction of the delay added or removed at random (0.2 = ±20 %). */
  jitter?: number;
  random?: () => number;
}

export class ReconnectPolicy {
  private attempt = 0;
  private readonly baseMs: number;
  private readonly factor: number;
  private readonly maxMs: number;
  private readonly jitter: number;
  private readonly random: () => number;

  constructor(options: ReconnectPolicyOptions = {}) {
    this.baseMs = options.baseMs ?? 500;
    this.factor = options.factor ?? 2;
    this.maxMs = options.maxMs ?? 10_000;
    this.jitter = options.jitter ?? 0.2;
    this.random = options.random ?? Math.random;
  }

  get attempts(): number {
    return this.attempt;
  }

  /** The delay before the next attempt; advances the schedule. */
  nextDelayMs(): number {
    const nominal = Math.min(this.maxMs, this.baseMs * this.factor ** this.attempt);
    this.attempt++;
    const spread = nominal * this.jitter * (this.random() * 2 - 1);
    return Math.max(0, Math.round(nominal + spread));
  }

  /** After a connection that worked: start again at the base delay. */
  reset(): void {
    this.attempt = 0;
  }
}

export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Runs `attempt` on the policy's schedule until stopped; `retryAt` tells the UI when the next try is. */
export class Reconnector {
  private handle: unknown;
  retryAt: number | undefined;

  constructor(
    private readonly policy: ReconnectPolicy,
    private readonly timers: Timers,
    private readonly attempt: () => void,
  ) {}

  get pending(): boolean {
    return this.handle !== undefined;
  }

  /** Schedules the next attempt (no-op when one is already scheduled); returns its delay. */
  schedule(): number {
    if (this.handle !== undefined) return Math.max(0, (this.retryAt ?? 0) - this.timers.now());
    const delay = this.policy.nextDelayMs();
    this.retryAt = this.timers.now() + delay;
    this.handle = this.timers.setTimeout(() => {
      this.handle = undefined;
      this.retryAt = undefined;
      this.attempt();
    }, delay);
    return delay;
  }

  succeeded(): void {
    this.policy.reset();
  }

  cancel(): void {
    if (this.handle !== undefined) this.timers.clearTimeout(this.handle);
    this.handle = undefined;
    this.retryAt = undefined;
  }
}
