// Fetchable recording URIs for the openvocs player and the browser: `/audio/<id>.opus?u=…&exp=…&sig=…`,
// an HMAC over talk id, user and expiry with a per-process key. The player fetches without the
// WebSocket's login, so the link itself carries the authorization — for a short time only. `/audio/`
// because the openvocs player fetches `<https origin of the WebSocket>/audio/` + the row's `uri`.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const RECORDINGS_PREFIX = '/audio/';

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

  private sign(talkId: number, user: string, exp: number): string {
    return createHmac('sha256', this.key).update(`${talkId}\n${user}\n${exp}`).digest('base64url');
  }
}
