// Failed-login throttling per (user, address) and per address: after the free failures each further
// failure doubles the lockout (1 s, 2 s, 4 s … up to `maxLockMs`). Lockout must not be a weapon: an
// attacker guessing alice's password from their machine locks only (alice, their address), never alice
// at her own position; a valid session resume is not throttled at all (see handlers/session.ts).
// An address gets many more free failures than a (user, address): a whole control room may sit behind
// one NAT, and one operator's typos must not lock out the others; guessing across many users from one
// address still locks that address.
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

/** Bounded memory under a flood of distinct names: prune beyond this many keys. */
const MAX_KEYS = 100_000;

// JSON of a pair: no user name or address can forge another pair's key.
const pairKey = (user: string, address: string): string => JSON.stringify(['u', user, address]);
const addressKey = (address: string): string => JSON.stringify(['a', address]);

export class LoginThrottle {
  private readonly failures = new Map<string, Failures>();

  constructor(private readonly options: ThrottleOptions = DEFAULT_THROTTLE) {}

  /** Milliseconds until `user` from `address` may try again; 0 when allowed now. */
  retryAfter(user: string, address: string, now: number): number {
    return Math.max(this.lockRemaining(pairKey(user, address), now), this.lockRemaining(addressKey(address), now));
  }

  recordFailure(user: string, address: string, now: number): void {
    this.bump(pairKey(user, address), now, this.options.freeFailures);
    this.bump(addressKey(address), now, this.options.freeFailuresPerAddress);
  }

  /** A success forgets the pair's failures (the address keeps its count: others may be guessing from there). */
  recordSuccess(user: string, address: string): void {
    this.failures.delete(pairKey(user, address));
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
    if (over > 0) entry.lockedUntil = now + Math.min(this.options.maxLockMs, this.options.baseLockMs * 2 ** Math.min(over - 1, 30));
    this.failures.set(key, entry);
    if (this.failures.size > MAX_KEYS) this.prune(now);
  }

  private prune(now: number): void {
    for (const [key, entry] of this.failures) if (now - entry.lastFailure > this.options.forgetMs) this.failures.delete(key);
    // Still full of fresh keys (a flood): drop the oldest half; locks of an active attack are re-earned quickly.
    if (this.failures.size > MAX_KEYS) {
      const oldest = [...this.failures].sort((a, b) => a[1].lastFailure - b[1].lastFailure).slice(0, this.failures.size / 2);
      for (const [key] of oldest) this.failures.delete(key);
    }
  }
}
