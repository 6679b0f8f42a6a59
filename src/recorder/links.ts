// Fetchable recording URIs for the openvocs player and the browser: `/audio/<id>.opus?u=…&exp=…&sig=…`,
// an HMAC over talk id, user and expiry with a per-process key. The player fetches without the
// WebSocket's login, so the link itself carries the authorization — for a short time only. `/audio/`
// because the openvocs player fetches `<https origin of the WebSocket>/audio/` + the row's `uri`.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const RECORDINGS_PREFIX = '/audio/';

/** A mixed export of several loops (bus keys) over [fromMs, toMs). */
export interface MixSpec {
  format: 'opus' | 'wav';
  loops: string[];
  fromMs: number;
  toMs: number;
}

export class LinkSigner {
  private readonly key = randomBytes(32);

  constructor(
    private readonly now: () => number,
    private readonly ttlMs = 3_600_000,
  ) {}

  uri(talkId: number, user: string): string {
    const exp = Math.floor((this.now() + this.ttlMs) / 1000);
    const params = new URLSearchParams({ u: user, exp: String(exp), sig: this.sign(talkId, user, exp) });
    return `${RECORDINGS_PREFIX}${talkId}.opus?${params.toString()}`;
  }

  /** The talk id and user of a valid, unexpired link; undefined otherwise. */
  verify(url: URL): { talkId: number; user: string } | undefined {
    const m = /^\/audio\/(\d{1,15})\.opus$/.exec(url.pathname);
    const user = url.searchParams.get('u');
    const exp = Number(url.searchParams.get('exp'));
    const sig = url.searchParams.get('sig') ?? '';
    if (!m || !user || !Number.isInteger(exp) || exp * 1000 < this.now()) return undefined;
    const talkId = Number(m[1]);
    const expected = Buffer.from(this.sign(talkId, user, exp));
    const given = Buffer.from(sig);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    return { talkId, user };
  }

  /** `/audio/mix.<format>?loops=…&from=…&to=…&u=…&exp=…&sig=…` */
  mixUri(spec: MixSpec, user: string): string {
    const exp = Math.floor((this.now() + this.ttlMs) / 1000);
    const loops = spec.loops.join(',');
    const sig = this.hmac(`mix\n${spec.format}\n${loops}\n${spec.fromMs}\n${spec.toMs}\n${user}\n${exp}`);
    const params = new URLSearchParams({ loops, from: String(spec.fromMs), to: String(spec.toMs), u: user, exp: String(exp), sig });
    return `${RECORDINGS_PREFIX}mix.${spec.format}?${params.toString()}`;
  }

  verifyMix(url: URL): { spec: MixSpec; user: string; sig: string } | undefined {
    const m = /^\/audio\/mix\.(opus|wav)$/.exec(url.pathname);
    const q = url.searchParams;
    const [loops, user, sig] = [q.get('loops'), q.get('u'), q.get('sig') ?? ''];
    const [fromMs, toMs, exp] = [Number(q.get('from')), Number(q.get('to')), Number(q.get('exp'))];
    if (!m || !loops || !user || ![fromMs, toMs, exp].every(Number.isSafeInteger) || exp * 1000 < this.now()) return undefined;
    const format = m[1] === 'wav' ? 'wav' : 'opus';
    if (!this.matches(`mix\n${format}\n${loops}\n${fromMs}\n${toMs}\n${user}\n${exp}`, sig)) return undefined;
    return { spec: { format, loops: loops.split(','), fromMs, toMs }, user, sig };
  }

  private matches(text: string, sig: string): boolean {
    const expected = Buffer.from(this.hmac(text));
    const given = Buffer.from(sig);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private sign(talkId: number, user: string, exp: number): string {
    return this.hmac(`${talkId}\n${user}\n${exp}`);
  }

  private hmac(text: string): string {
    return createHmac('sha256', this.key).update(text).digest('base64url');
  }
}
