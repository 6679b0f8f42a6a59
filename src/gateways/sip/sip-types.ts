// Public shapes of the SIP gateway.
import type { Logger } from 'pino';
import type { LoopKey } from '../../directory/loop-key.js';
import type { LoopAddress, LoopBus } from '../../media/loopbus/index.js';
import type { RegistrationSettings } from './registration-messages.js';

/** A loop a number reaches: its bus key (unique across tenants) and, on the multicast bus, its address. */
export interface SipLoopTarget {
  key: LoopKey;
  address?: LoopAddress;
}

/** Who may call what: numbers, digest secrets and loop permissions (the directory in production). */
export interface SipAccess {
  loopOf(number: string): SipLoopTarget | undefined;
  /** The digest password of an account; undefined: no such account. */
  passwordOf(account: string): string | undefined;
  /** The PIN of a caller id on the allow-list; undefined: not on it (docs/telephony.md). */
  pinOf?(callerId: string): string | undefined;
  /** send: talks and hears; recv: only hears; none: refused. */
  permission(account: string, loop: SipLoopTarget): 'send' | 'recv' | 'none';
  /** voice (default): voice-operated talk; dtmf: `*` talks, `#` stops. */
  talkModeOf?(account: string): 'voice' | 'dtmf';
}

export interface SipGatewayOptions {
  /** Address for SIP and RTP (e.g. 127.0.0.1 in tests). */
  host: string;
  /** UDP port for SIP; 0 picks one. */
  port: number;
  realm: string;
  access: SipAccess;
  maxCalls: number;
  /** No RTP from the phone for this long ends the call. */
  mediaTimeoutMs: number;
  /** Where outgoing calls go (a PBX or trunk); without it the gateway only answers. */
  outbound?: { host: string; port: number };
  /** An outgoing call that rings longer than this is cancelled. */
  ringTimeoutMs?: number;
  /** A caller-id caller that has not typed its PIN by then is hung up (default 30 s). */
  pinTimeoutMs?: number;
  /** Wrong PINs per call before the gateway hangs up (default 3). */
  pinAttempts?: number;
  /** Registrations at PBXs/registrars (RFC 3261 §10), kept up while the gateway runs. */
  registrations?: RegistrationSettings[];
  /** Registration transaction timeout and retry backoff; defaults 32 s, 5 s doubling to 5 min. */
  registrationTiming?: { timeoutMs?: number; retryMinMs?: number; retryMaxMs?: number };
  bus: LoopBus;
  log: Logger;
}

export interface CallInfo {
  callId: string;
  /** in: a phone called a loop (`user` is its SIP account); out: an operator called out (`user` is the operator). */
  direction: 'in' | 'out';
  loop: LoopKey;
  peer: string;
  user: string;
  since: number;
}

/** list_sip_status (openvocs-protocol.md §10). */
export interface SipStatus {
  connected: boolean;
  calls: number;
  max_calls: number;
  transports: string[];
  outbound: boolean;
}

export type SipGatewayEvents = {
  call: [CallInfo];
  hangup: [CallInfo, reason: string];
  talking: [CallInfo, boolean];
};
