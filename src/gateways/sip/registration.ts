// One outbound registration (RFC 3261 §10.2) as a state machine: REGISTER, answer one digest challenge,
// refresh at half the granted time, retry failures with a bounded backoff, unregister on stop. I/O and
// time come in through `RegistrationIo`, so the unit tests drive it with a fake clock.
import { randomBytes } from 'node:crypto';
import { digestAuthorization } from './digest.js';
import { buildRegister, contactUriOf, deltaSeconds, grantedExpires, parseChallenge, registerCSeqOf, requestUriOf, type Challenge, type RegistrationSettings } from './registration-messages.js';
import { header, type SipRequest, type SipResponse } from './sip-message.js';

export const T1 = 500;
const T2 = 4000;
/** Expires values we accept from a 423's Min-Expires (one day, as the configured bound). */
export const MAX_EXPIRES = 86_400;

export type RegistrationState =
  | { kind: 'registering' }
  | { kind: 'registered'; expires: number }
  | { kind: 'failing'; reason: string; retryInMs: number }
  | { kind: 'stopped' };

export interface RegistrationTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface RegistrationIo {
  local: { host: string; port: number };
  /** Sends one request to the registrar; throws (or calls `networkError`) when it cannot. */
  send(request: SipRequest): void;
  onState(state: RegistrationState): void;
  timers: RegistrationTimers;
  /** A transaction without a final response for this long has failed (Timer F, 64·T1). */
  timeoutMs?: number;
  /** Backoff after failures: first wait, doubled each time up to the maximum. */
  retryMinMs?: number;
  retryMaxMs?: number;
}

interface Attempt {
  cseq: number;
  request: SipRequest;
  expires: number;
  /** Challenges answered in this attempt: a second one (unless stale) means the password is wrong. */
  challenges: number;
  minExpiresTried: boolean;
  timeout: unknown;
  retransmit: unknown;
  interval: number;
  /** Set when the attempt is the unregistration of `stop()`. */
  done?: () => void;
}

export class Registration {
  readonly callId = `${randomBytes(12).toString('hex')}@loopcast`;
  private readonly fromTag = randomBytes(6).toString('hex');
  private cseq = 0;
  private expires: number;
  private challenge: (Challenge & { nc: number; cnonce: string }) | undefined;
  private attempt: Attempt | undefined;
  private next: unknown;
  private failures = 0;
  private bound = false;
  private stopping = false;
  state: RegistrationState = { kind: 'registering' };

  constructor(
    readonly settings: RegistrationSettings,
    private readonly io: RegistrationIo,
  ) {
    this.expires = settings.expires;
  }

  start(): void {
    this.register(this.expires);
  }

  /** A response with our Call-ID. Stale or foreign CSeqs are ignored. */
  receive(response: SipResponse): void {
    const attempt = this.attempt;
    if (!attempt || registerCSeqOf(response) !== attempt.cseq) return;
    if (response.status < 200) {
      // Provisional: keep retransmitting at T2 until the final answer (§17.1.2.2).
      attempt.interval = T2;
      return;
    }
    this.endAttempt();
    if (response.status < 300) return this.succeeded(attempt, response);
    if (response.status === 401 || response.status === 407) return this.challenged(attempt, response);
    if (response.status === 423 && !attempt.minExpiresTried) {
      const min = deltaSeconds(header(response, 'min-expires'));
      if (min !== undefined && min > attempt.expires && min <= MAX_EXPIRES) {
        this.expires = min;
        return this.send(min, attempt.challenges, true, attempt.done);
      }
    }
    this.failed(attempt, `${response.status} ${response.reason.slice(0, 100)}`);
  }

  /** The connection to the registrar failed: the running attempt has failed. */
  networkError(reason: string): void {
    const attempt = this.attempt;
    if (!attempt) return;
    this.endAttempt();
    this.failed(attempt, reason);
  }

  /** Unregisters (Expires: 0) if bound; resolves on the answer or after `deadlineMs`, whichever first. */
  stop(deadlineMs: number): Promise<void> {
    this.stopping = true;
    this.io.timers.clear(this.next);
    const wasBound = this.bound || this.attempt !== undefined;
    this.endAttempt();
    this.setState({ kind: 'stopped' });
    if (!wasBound) return Promise.resolve();
    return new Promise((resolve) => {
      const deadline = this.io.timers.set(() => finish(), deadlineMs);
      const finish = (): void => {
        this.io.timers.clear(deadline);
        this.endAttempt();
        resolve();
      };
      this.send(0, 0, false, finish);
    });
  }

  private register(expires: number): void {
    if (this.stopping) return;
    // The state stays as it was (registered during a refresh, failing during a retry) until the answer.
    this.send(expires, 0, false);
  }

  private send(expires: number, challenges: number, minExpiresTried: boolean, done?: () => void): void {
    this.cseq++;
    const c = this.challenge;
    let authorization: { name: 'Authorization' | 'Proxy-Authorization'; value: string } | undefined;
    if (c) {
      // Reuse the last challenge (nc counts up): refreshes and the unregistration need no extra round trip.
      c.nc++;
      const s = this.settings;
      const value = digestAuthorization({ user: s.authUser ?? s.user, password: s.password, method: 'REGISTER', uri: requestUriOf(s), realm: c.realm, nonce: c.nonce, ...(c.opaque !== undefined ? { opaque: c.opaque } : {}), ...(c.qop ? { qop: { cnonce: c.cnonce, nc: c.nc } } : {}) });
      authorization = { name: c.header, value };
    }
    const branch = `z9hG4bK${randomBytes(8).toString('hex')}`;
    const request = buildRegister({ settings: this.settings, local: this.io.local, callId: this.callId, fromTag: this.fromTag, cseq: this.cseq, branch, expires, ...(authorization ? { authorization } : {}) });
    const attempt: Attempt = { cseq: this.cseq, request, expires, challenges, minExpiresTried, timeout: undefined, retransmit: undefined, interval: T1, ...(done ? { done } : {}) };
    this.attempt = attempt;
    attempt.timeout = this.io.timers.set(() => {
      this.endAttempt();
      this.failed(attempt, 'no answer from the registrar (timeout)');
    }, this.io.timeoutMs ?? 64 * T1);
    if (this.settings.transport === 'udp') this.armRetransmit(attempt);
    try {
      this.io.send(request);
    } catch (err) {
      this.endAttempt();
      this.failed(attempt, `cannot send: ${(err as Error).message}`);
    }
  }

  /** Timer E (§17.1.2.2): over UDP resend at T1, doubling up to T2, until a final response. */
  private armRetransmit(attempt: Attempt): void {
    attempt.retransmit = this.io.timers.set(() => {
      if (this.attempt !== attempt) return;
      try {
        this.io.send(attempt.request);
      } catch {
        // The timeout decides.
      }
      attempt.interval = Math.min(attempt.interval * 2, T2);
      this.armRetransmit(attempt);
    }, attempt.interval);
  }

  private endAttempt(): void {
    const attempt = this.attempt;
    if (!attempt) return;
    this.attempt = undefined;
    this.io.timers.clear(attempt.timeout);
    this.io.timers.clear(attempt.retransmit);
  }

  private succeeded(attempt: Attempt, response: SipResponse): void {
    if (attempt.done) return attempt.done();
    const granted = grantedExpires(response, contactUriOf(this.settings, this.io.local), attempt.expires);
    if (granted <= 0) return this.failed(attempt, 'the registrar did not keep our contact');
    this.failures = 0;
    this.bound = true;
    this.setState({ kind: 'registered', expires: granted });
    // Refresh at half the granted time (at least a second): the binding never lapses on a slow answer.
    this.next = this.io.timers.set(() => this.register(this.expires), Math.max(1000, (granted * 1000) / 2));
  }

  private challenged(attempt: Attempt, response: SipResponse): void {
    const challenge = parseChallenge(response);
    if (typeof challenge === 'string') return this.failed(attempt, `${response.status}: ${challenge}`);
    // A challenge to a request that carried credentials from this attempt's challenge: they were refused.
    // Only a stale nonce earns one more try (RFC 2617 §3.2.1).
    const allowed = attempt.challenges === 0 || (challenge.stale && attempt.challenges === 1);
    if (!allowed) {
      this.challenge = undefined;
      return this.failed(attempt, `${response.status}: credentials refused`);
    }
    this.challenge = { ...challenge, nc: 0, cnonce: randomBytes(8).toString('hex') };
    this.send(attempt.expires, attempt.challenges + 1, attempt.minExpiresTried, attempt.done);
  }

  private failed(attempt: Attempt, reason: string): void {
    if (attempt.done) return attempt.done();
    if (this.stopping) return;
    this.bound = false;
    const min = this.io.retryMinMs ?? 5000;
    const max = this.io.retryMaxMs ?? 300_000;
    const retryInMs = Math.min(max, min * 2 ** Math.min(this.failures, 20));
    this.failures++;
    this.setState({ kind: 'failing', reason, retryInMs });
    this.next = this.io.timers.set(() => this.register(this.expires), retryInMs);
  }

  private setState(state: RegistrationState): void {
    const before = this.state;
    this.state = state;
    if (JSON.stringify(before) !== JSON.stringify(state)) this.io.onState(state);
  }
}
