// Callers on the caller-id allow-list prove themselves with a PIN typed on the keypad (RFC 4733
// telephone-events) and ended by `#`; `*` clears what was typed. Pure logic: the gateway feeds events.
import { timingSafeEqual } from 'node:crypto';
import { dtmfEvent, DTMF_HASH, DTMF_STAR } from './dtmf.js';

/** Longer input is cut off: nobody's PIN is that long, and memory stays bounded. */
const MAX_DIGITS = 16;

export type PinResult = 'pending' | 'accepted' | 'wrong' | 'exhausted';

export class PinEntry {
  private digits = '';
  private lastTimestamp: number | undefined;
  private failures = 0;

  constructor(
    private readonly pin: string,
    private readonly attempts: number,
  ) {}

  /** One telephone-event packet; each event counts once however many packets carry it. */
  push(timestamp: number, payload: Buffer): PinResult {
    const event = dtmfEvent(payload);
    if (event === undefined || timestamp === this.lastTimestamp) return 'pending';
    this.lastTimestamp = timestamp;
    if (event <= 9) {
      if (this.digits.length < MAX_DIGITS) this.digits += String(event);
      return 'pending';
    }
    if (event === DTMF_STAR) this.digits = '';
    if (event !== DTMF_HASH) return 'pending';
    const typed = this.digits;
    this.digits = '';
    if (samePin(typed, this.pin)) return 'accepted';
    this.failures++;
    return this.failures >= this.attempts ? 'exhausted' : 'wrong';
  }
}

/** Constant-time for equal lengths; the length of a PIN is not the secret. */
function samePin(typed: string, pin: string): boolean {
  const a = Buffer.from(typed);
  const b = Buffer.from(pin);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Calls that ended with wrong PINs, per caller id: after `limit` of them within `windowMs`, that
 * caller id is refused (403) until the window has passed — a PIN of 4 digits must not be guessable
 * by redialling.
 */
export class PinThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limit = 5,
    private readonly windowMs = 15 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  blocked(callerId: string): boolean {
    return this.recent(callerId).length >= this.limit;
  }

  failed(callerId: string): void {
    const list = this.recent(callerId);
    list.push(this.now());
    this.failures.set(callerId, list);
    // Bounded: forget the oldest caller ids first if many distinct ones fail.
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value as string);
  }

  succeeded(callerId: string): void {
    this.failures.delete(callerId);
  }

  private recent(callerId: string): number[] {
    const since = this.now() - this.windowMs;
    const list = (this.failures.get(callerId) ?? []).filter((t) => t > since);
    if (list.length === 0) this.failures.delete(callerId);
    return list;
  }
}
