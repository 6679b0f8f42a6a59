// Failed-login throttling per user and per remote address: after the free failures each further
// failure doubles the lockout (1 s, 2 s, 4 s … up to `maxLockMs`). A success clears the user's record.
// An address gets many more free failures than a user: a whole control room may sit behind one NAT,
// and one operator's typos must not lock out the others; guessing across many users still locks it.
export interface ThrottleOptions {
  freeFailures: number;
  freeFailuresPerAddress: number;
  baseLockMs: number;
  maxLockMs: number;
  /** Forget a key's failures after this long without one. */
  forgetMs: number;
}

export const DEFAULT_THROTTLE: ThrottleOptions = { freeFailures: 5, freeFailuresPerAddress: 50, baseLockMs: 1000, maxLockMs: 5 * 60_000, forgetMs: 15 * 60_000 };

interface Failures {
  count: number;
  lockedUntil: number;
  lastFailure: number;
}

export class LoginThrottle {
  private readonly failures = new Map<string, Failures>();

  constructor(private readonly options: ThrottleOptions = DEFAULT_THROTTLE) {}

  /** Milliseconds until `user` from `address` may try again; 0 when allowed now. */
  retryAfter(user: string, address: string, now: number): number {
    return Math.max(this.lockRemaining(`u:${user}`, now), this.lockRemaining(`a:${address}`, now));
  }

  recordFailure(user: string, address: string, now: number): void {
    this.bump(`u:${user}`, now, this.options.freeFailures);
    this.bump(`a:${address}`, now, this.options.freeFailuresPerAddress);
  }

  recordSuccess(user: string): void {
    this.failures.delete(`u:${user}`);
  }

  private lockRemaining(key: string, now: number): number {
    const entry = this.failures.get(key);
    if (!entry) return 0;
    if (now - entry.lastFailure > this.options.forgetMs) {
      this.failures.delete(key);
      return 0;
    }
    return Math.max(0, entry.lockedUntil - now);
  }

  private bump(key: string, now: number, free: number): void {
    const entry = this.failures.get(key) ?? { count: 0, lockedUntil: 0, lastFailure: now };
    if (now - entry.lastFailure > this.options.forgetMs) entry.count = 0;
    entry.count++;
    entry.lastFailure = now;
    const over = entry.count - free;
    if (over > 0) entry.lockedUntil = now + Math.min(this.options.maxLockMs, this.options.baseLockMs * 2 ** (over - 1));
    this.failures.set(key, entry);
    if (this.failures.size > 100_000) this.prune(now);
  }

  /** Bounded memory under a flood of distinct names. */
  private prune(now: number): void {
    for (const [key, entry] of this.failures) if (now - entry.lastFailure > this.options.forgetMs) this.failures.delete(key);
  }
}
