// HTTP Digest authentication for SIP (RFC 3261 §22, RFC 2617 with qop=auth, MD5 as phones speak it).
// Nonces are stateless: a timestamp and an HMAC of it under a per-process secret, valid for a while.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

/** Parses `Digest a="b", c=d` into its parameters (quoted or token values). */
export function parseDigest(value: string): Map<string, string> | undefined {
  const match = /^\s*Digest\s+(.*)$/is.exec(value);
  if (!match) return undefined;
  const params = new Map<string, string>();
  const re = /([a-zA-Z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))\s*(?:,|$)/g;
  const rest = match[1] ?? '';
  for (const m of rest.matchAll(re)) params.set((m[1] ?? '').toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? ''));
  return params;
}

export interface DigestCheck {
  /** The authenticated user name, if the response is right and the nonce fresh. */
  user?: string;
  /** The response was right but the nonce too old: challenge again with stale=true. */
  stale?: boolean;
}

export class DigestAuth {
  private readonly secret = randomBytes(32);

  constructor(
    readonly realm: string,
    private readonly nonceLifetimeMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The value of a WWW-Authenticate header. */
  challenge(stale = false): string {
    const stamp = this.now().toString(36);
    const nonce = `${stamp}.${createHmac('sha256', this.secret).update(stamp).digest('base64url')}`;
    return `Digest realm="${this.realm}", nonce="${nonce}", algorithm=MD5, qop="auth"${stale ? ', stale=true' : ''}`;
  }

  /**
   * Checks an Authorization header for `method` against the password that `passwordOf` gives for
   * its user name (undefined: no such account). Every failure looks the same to the caller.
   */
  verify(authorization: string, method: string, passwordOf: (user: string) => string | undefined): DigestCheck {
    const p = parseDigest(authorization);
    if (!p) return {};
    const user = p.get('username');
    const nonce = p.get('nonce');
    const uri = p.get('uri');
    const response = p.get('response');
    if (!user || !nonce || !uri || !response || p.get('realm') !== this.realm) return {};
    const algorithm = p.get('algorithm');
    if (algorithm !== undefined && algorithm.toUpperCase() !== 'MD5') return {};
    const age = this.nonceAge(nonce);
    if (age === undefined) return {};
    const password = passwordOf(user);
    if (password === undefined) return {};
    const ha1 = md5(`${user}:${this.realm}:${password}`);
    const ha2 = md5(`${method}:${uri}`);
    const qop = p.get('qop');
    let expected: string;
    if (qop === undefined) expected = md5(`${ha1}:${nonce}:${ha2}`);
    else if (qop === 'auth') expected = md5(`${ha1}:${nonce}:${p.get('nc') ?? ''}:${p.get('cnonce') ?? ''}:auth:${ha2}`);
    else return {};
    const a = Buffer.from(expected);
    const b = Buffer.from(response.toLowerCase());
    if (a.length !== b.length || !timingSafeEqual(a, b)) return {};
    return age > this.nonceLifetimeMs ? { stale: true } : { user };
  }

  /** Milliseconds since the nonce was issued by this process, or undefined if it was not. */
  private nonceAge(nonce: string): number | undefined {
    const [stamp, mac] = nonce.split('.');
    if (!stamp || !mac || !/^[0-9a-z]{1,12}$/.test(stamp)) return undefined;
    const expected = Buffer.from(createHmac('sha256', this.secret).update(stamp).digest('base64url'));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    const age = this.now() - parseInt(stamp, 36);
    return age >= 0 ? age : undefined;
  }
}

/** What a client needs to answer a challenge (RFC 2617 §3.2.2); values as the server sent them. */
export interface DigestAnswer {
  user: string;
  password: string;
  method: string;
  uri: string;
  realm: string;
  nonce: string;
  opaque?: string;
  /** Use qop=auth with this client nonce and nonce count; absent: the RFC 2069 form (no qop offered). */
  qop?: { cnonce: string; nc: number };
}

/** The value of an Authorization / Proxy-Authorization header answering a challenge (MD5). */
export function digestAuthorization(a: DigestAnswer): string {
  const ha1 = md5(`${a.user}:${a.realm}:${a.password}`);
  const ha2 = md5(`${a.method}:${a.uri}`);
  const nc = a.qop ? a.qop.nc.toString(16).padStart(8, '0') : '';
  const response = a.qop ? md5(`${ha1}:${a.nonce}:${nc}:${a.qop.cnonce}:auth:${ha2}`) : md5(`${ha1}:${a.nonce}:${ha2}`);
  const parts = [`username="${a.user}"`, `realm="${a.realm}"`, `nonce="${a.nonce}"`, `uri="${a.uri}"`, `response="${response}"`, 'algorithm=MD5'];
  if (a.opaque !== undefined) parts.push(`opaque="${a.opaque}"`);
  if (a.qop) parts.push('qop=auth', `nc=${nc}`, `cnonce="${a.qop.cnonce}"`);
  return `Digest ${parts.join(', ')}`;
}
