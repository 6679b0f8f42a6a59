// The messages of outbound registration (RFC 3261 §10.2): building REGISTER requests and reading the
// registrar's answers. Answers come from a peer we do not control: every value is checked and bounded,
// anything unreadable is "absent", never an exception.
import { parseDigest } from './digest.js';
import { header, headerParam, headers, uriOf, type SipRequest, type SipResponse } from './sip-message.js';

/** One registration as configured (docs/telephony.md `registrations`). */
export interface RegistrationSettings {
  registrar: { host: string; port: number };
  transport: 'udp' | 'tcp';
  /** The user part of the address of record. */
  user: string;
  /** The AOR's domain; default: the registrar's host. */
  domain?: string;
  /** Digest user name; default: `user`. */
  authUser?: string;
  password: string;
  /** Seconds asked for. */
  expires: number;
  /** The user part of our Contact; default: `user`. */
  contactUser?: string;
}

export interface RegisterParts {
  settings: RegistrationSettings;
  /** Where the gateway listens: our Via sent-by and Contact. */
  local: { host: string; port: number };
  callId: string;
  fromTag: string;
  cseq: number;
  branch: string;
  expires: number;
  authorization?: { name: 'Authorization' | 'Proxy-Authorization'; value: string };
}

export function requestUriOf(s: RegistrationSettings): string {
  return s.domain !== undefined ? `sip:${s.domain}` : `sip:${s.registrar.host}:${s.registrar.port}`;
}

export function contactUriOf(s: RegistrationSettings, local: { host: string; port: number }): string {
  return `sip:${s.contactUser ?? s.user}@${local.host}:${local.port}${s.transport === 'tcp' ? ';transport=tcp' : ''}`;
}

export function buildRegister(p: RegisterParts): SipRequest {
  const s = p.settings;
  const aor = `<sip:${s.user}@${s.domain ?? s.registrar.host}>`;
  return {
    kind: 'request',
    method: 'REGISTER',
    uri: requestUriOf(s),
    headers: [
      { name: 'Via', value: `SIP/2.0/${s.transport.toUpperCase()} ${p.local.host}:${p.local.port};branch=${p.branch};rport` },
      { name: 'Max-Forwards', value: '70' },
      { name: 'From', value: `${aor};tag=${p.fromTag}` },
      { name: 'To', value: aor },
      { name: 'Call-ID', value: p.callId },
      { name: 'CSeq', value: `${p.cseq} REGISTER` },
      { name: 'Contact', value: `<${contactUriOf(s, p.local)}>;expires=${p.expires}` },
      { name: 'Expires', value: String(p.expires) },
      { name: 'User-Agent', value: 'Loopcast' },
      ...(p.authorization ? [p.authorization] : []),
    ],
    body: '',
  };
}

/** The CSeq number of a REGISTER response; undefined for anything else or unreadable. */
export function registerCSeqOf(response: SipResponse): number | undefined {
  const m = /^(\d{1,9})\s+REGISTER$/.exec(header(response, 'cseq') ?? '');
  return m ? Number(m[1]) : undefined;
}

/** A delta-seconds value (RFC 3261 §25.1), bounded; undefined if not one. */
export function deltaSeconds(value: string | undefined): number | undefined {
  const m = /^\s*(\d{1,10})\s*$/.exec(value ?? '');
  if (!m) return undefined;
  return Math.min(Number(m[1]), 2 ** 32 - 1);
}

/** Splits a Contact header value at the commas between contacts (not inside quotes or <…>). */
export function splitContacts(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '"' && value[i - 1] !== '\\') quoted = !quoted;
    else if (!quoted && c === '<') depth++;
    else if (!quoted && c === '>') depth = Math.max(0, depth - 1);
    else if (!quoted && depth === 0 && c === ',') {
      out.push(value.slice(start, i).trim());
      start = i + 1;
      if (out.length >= 100) return out;
    }
  }
  out.push(value.slice(start).trim());
  return out;
}

/**
 * The seconds a 2xx granted our binding (§10.2.4): the `expires` of the Contact that is ours, else the
 * Expires header, else what we asked for; never more than we asked for. 0: the binding is not there.
 */
export function grantedExpires(response: SipResponse, ourContact: string, requested: number): number {
  // user@host:port decides (registrars may add or drop URI parameters such as transport).
  const bare = (uri: string): string => (uri.split(';')[0] ?? '').toLowerCase();
  const wanted = bare(ourContact);
  let listed = false;
  for (const value of headers(response, 'contact')) {
    for (const contact of splitContacts(value)) {
      if (bare(uriOf(contact)) !== wanted) continue;
      listed = true;
      // Parameters after the URI only: a `;expires` inside <…> belongs to the URI.
      const after = contact.includes('>') ? contact.slice(contact.lastIndexOf('>') + 1) : contact;
      const seconds = deltaSeconds(headerParam(after, 'expires'));
      if (seconds !== undefined) return Math.min(seconds, requested);
    }
  }
  const expires = deltaSeconds(header(response, 'expires'));
  if (expires !== undefined) return Math.min(expires, requested);
  // A registrar that lists contacts but not ours has not bound us.
  const anyContact = headers(response, 'contact').length > 0;
  return anyContact && !listed ? 0 : requested;
}

/** A challenge we can answer: MD5, with or without qop=auth. */
export interface Challenge {
  header: 'Authorization' | 'Proxy-Authorization';
  realm: string;
  nonce: string;
  opaque?: string;
  qop: boolean;
  stale: boolean;
}

// Echoed inside quotes in our Authorization: no quotes, backslashes or control characters, bounded.
const SAFE = /^[\x20-\x7e]{0,512}$/;
const safe = (v: string | undefined): v is string => v !== undefined && SAFE.test(v) && !/["\\]/.test(v);

/** The challenge of a 401 (WWW-Authenticate) or 407 (Proxy-Authenticate); a reason string if unusable. */
export function parseChallenge(response: SipResponse): Challenge | string {
  const proxy = response.status === 407;
  const values = headers(response, proxy ? 'proxy-authenticate' : 'www-authenticate');
  if (values.length === 0) return 'challenge without a Digest header';
  let reason = 'challenge not understood';
  for (const value of values.slice(0, 10)) {
    const p = parseDigest(value.slice(0, 4096));
    if (!p) continue;
    const algorithm = p.get('algorithm');
    if (algorithm !== undefined && algorithm.toUpperCase() !== 'MD5') {
      reason = `unsupported digest algorithm ${algorithm.slice(0, 32)}`;
      continue;
    }
    const realm = p.get('realm');
    const nonce = p.get('nonce');
    const opaque = p.get('opaque');
    if (!safe(realm) || !safe(nonce) || nonce === '' || (opaque !== undefined && !safe(opaque))) continue;
    const qopOffer = p.get('qop');
    const qop = qopOffer !== undefined && qopOffer.split(',').some((q) => q.trim().toLowerCase() === 'auth');
    // Only auth-int offered: we do not hash bodies.
    if (qopOffer !== undefined && !qop) {
      reason = 'challenge offers only qop=auth-int';
      continue;
    }
    return { header: proxy ? 'Proxy-Authorization' : 'Authorization', realm, nonce, ...(opaque !== undefined ? { opaque } : {}), qop, stale: p.get('stale')?.toLowerCase() === 'true' };
  }
  return reason;
}
