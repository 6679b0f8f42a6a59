// Who is calling (docs/telephony.md "Authentication"): a caller id on the allow-list, which proves
// itself afterwards with a PIN by DTMF, or a digest account (RFC 2617, stateless nonces). Refusals
// come back as the response to send; wrong PINs per caller id are counted here.
import type { Logger } from 'pino';
import { limitedLog } from '../../log/log-limiter.js';
import { DigestAuth } from './digest.js';
import { PinThrottle } from './pin-entry.js';
import { header, uriOf, userOf, type SipHeader, type SipRequest } from './sip-message.js';
import type { SipAccess } from './sip-types.js';

export type CallerCheck =
  | { kind: 'caller'; name: string; pin?: string }
  | { kind: 'refused'; status: number; reason: string; headers: SipHeader[] };

export class CallerAuth {
  private readonly digest: DigestAuth;
  readonly pins = new PinThrottle();

  constructor(
    realm: string,
    private readonly access: SipAccess,
    private readonly log: Logger,
  ) {
    this.digest = new DigestAuth(realm);
  }

  check(request: SipRequest, address: string): CallerCheck {
    const authorization = header(request, 'authorization');
    const callerId = userOf(uriOf(header(request, 'from') ?? ''));
    // Credentials win: a phone that sends them is checked by them, whatever number it presents.
    const pin = authorization === undefined && callerId !== undefined ? this.access.pinOf?.(callerId) : undefined;
    if (callerId !== undefined && pin !== undefined) {
      if (!this.pins.blocked(callerId)) return { kind: 'caller', name: callerId, pin };
      limitedLog(this.log).warn({ caller: callerId, address }, 'SIP caller refused (too many wrong PINs)');
      return forbidden;
    }
    if (authorization === undefined) return this.challenge(false);
    const check = this.digest.verify(authorization, 'INVITE', (user) => this.access.passwordOf(user));
    if (check.stale) return this.challenge(true);
    if (check.user !== undefined) return { kind: 'caller', name: check.user };
    // Security-relevant (docs/operations.md "Logs"), and any host can send it: warn, rate-limited.
    limitedLog(this.log).warn({ address }, 'SIP call refused (credentials)');
    return forbidden;
  }

  private challenge(stale: boolean): CallerCheck {
    return { kind: 'refused', status: 401, reason: 'Unauthorized', headers: [{ name: 'WWW-Authenticate', value: this.digest.challenge(stale) }] };
  }
}

const forbidden: CallerCheck = { kind: 'refused', status: 403, reason: 'Forbidden', headers: [] };
