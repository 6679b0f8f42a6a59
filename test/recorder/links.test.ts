// Signed recording links and byte ranges under hostile input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRange } from '../../src/recorder/http-route.js';
import { LinkSigner } from '../../src/recorder/links.js';

describe('LinkSigner', () => {
  it('accepts its own links until they expire, and nothing altered', () => {
    let now = 1_800_000_000_000;
    const signer = new LinkSigner(() => now, 60_000);
    const uri = signer.uri(42, 'alice');
    const url = new URL(uri, 'https://x');
    expect(signer.verify(url)).toEqual({ talkId: 42, user: 'alice' });
    for (const [from, to] of [['42.opus', '43.opus'], ['u=alice', 'u=bob'], ['exp=', 'exp=9']] as const) {
      expect(signer.verify(new URL(uri.replace(from, to), 'https://x'))).toBeUndefined();
    }
    expect(new LinkSigner(() => now).verify(url), 'another process key').toBeUndefined();
    now += 61_000;
    expect(signer.verify(url)).toBeUndefined();
  });

  it('never accepts random paths and queries', () => {
    const signer = new LinkSigner(() => 0);
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), fc.string(), (path, u, exp, sig) => {
        const url = new URL(`https://x/audio/${encodeURIComponent(path)}`);
        url.searchParams.set('u', u);
        url.searchParams.set('exp', exp);
        url.searchParams.set('sig', sig);
        expect(signer.verify(url)).toBeUndefined();
      }),
      { seed: 15, numRuns: 300 },
    );
  });
});

describe('parseRange', () => {
  it('reads single ranges and refuses what does not fit', () => {
    expect(parseRange(undefined, 100)).toBeUndefined();
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=50-1000', 100)).toEqual({ start: 50, end: 99 });
    expect(parseRange('bytes=100-', 100)).toBeNull();
    expect(parseRange('bytes=9-3', 100)).toBeNull();
    expect(parseRange('bytes=0-1,5-6', 100)).toBeUndefined();
    expect(parseRange('items=0-1', 100)).toBeUndefined();
  });

  it('always yields a range inside the file or refuses', () => {
    fc.assert(
      fc.property(fc.string(), fc.nat(1 << 20), (header, size) => {
        const r = parseRange(header, size);
        if (r) {
          expect(r.start).toBeGreaterThanOrEqual(0);
          expect(r.end).toBeLessThan(size);
          expect(r.start).toBeLessThanOrEqual(r.end);
        }
      }),
      { seed: 15, numRuns: 500 },
    );
  });
});
