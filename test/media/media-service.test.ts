// A media host (a real media plane behind MediaService) and signaling's event command under hostile
// input: malformed, oversized, mistyped and randomly mutated payloads are each answered with an error,
// nothing is applied and nothing crashes; afterwards a valid session still opens (once, however often
// its open is retried) and offers. A session whose signaling service goes down is closed and reported.
import { describe, expect, it } from 'vitest';
import { RemoteCommandError } from '../../src/control/control-plane.js';
import { InProcessControlPlane } from '../../src/control/in-process.js';
import { RemoteMediaControl } from '../../src/media/remote/remote-media-control.js';
import { useMediaHost } from './support/media-host.js';
import { seededRandom } from '../../testkit/random.js';

const client = { connectionId: 'c1', user: 'bob', role: 'ground', client: 'k1' };
const valid: Array<Record<string, unknown>> = [
  { op: 'open', session: 'ms-fuzz', owner: 'sig-1', client },
  { op: 'offer', session: 'ms-fuzz' },
  { op: 'answer', session: 'ms-fuzz', sdp: 'v=0' },
  { op: 'candidate', session: 'ms-fuzz', candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0' } },
  { op: 'set-loop', session: 'ms-fuzz', loop: { key: 'project/p/loop1', multicast: { host: '239.255.0.1', port: 20000 } }, state: 'recv', volume: 50 },
  { op: 'set-talking', session: 'ms-fuzz', loop: { key: 'project/p/loop1' }, talking: true },
];

/** One random structural change: a field dropped, retyped, bloated or added. */
function mutate(base: Record<string, unknown>, random: () => number): unknown {
  const copy: Record<string, unknown> = structuredClone(base);
  const keys = Object.keys(copy);
  const key = keys[Math.floor(random() * keys.length)] ?? 'op';
  const replacements: unknown[] = [undefined, null, 42, -1, 1e308, '', 'x'.repeat(100_000), [], {}, { $gt: '' }, true, 'open', '../../etc/passwd', 'a.b.c'];
  const pick = replacements[Math.floor(random() * replacements.length)];
  if (random() < 0.2) copy[`extra${Math.floor(random() * 9)}`] = pick;
  else if (pick === undefined) delete copy[key];
  else copy[key] = pick;
  return copy;
}

describe('media host under hostile commands', () => {
  const host = useMediaHost();
  const { control } = host;

  const send = (payload: unknown, key?: string) => control.request('h1', 'media', payload, { retries: 0, timeoutMs: 2000, ...(key ? { idempotencyKey: key } : {}) });

  it('refuses every malformed command with an error and applies none of them', async () => {
    const fixed: unknown[] = [undefined, null, 0, 'open', [], {}, { op: 'open' }, { op: 'open', session: 'ms-1', owner: 'sig-1', client: { ...client, user: '' } }, { op: 'offer', session: 'ms-unknown' }, { op: 'close', session: 'x'.repeat(200) }];
    const random = seededRandom(14);
    const mutated = Array.from({ length: 400 }, () => mutate(valid[Math.floor(random() * valid.length)]!, random));
    let refused = 0;
    for (const payload of [...fixed, ...mutated]) {
      try {
        await send(payload);
      } catch (err) {
        expect(err).toBeInstanceOf(RemoteCommandError);
        refused++;
      }
    }
    // Only mutations that kept a valid shape could pass (e.g. an open with another client name); none of them is for a live session.
    expect(refused).toBeGreaterThan(fixed.length + 300);
  });

  it('still opens a session afterwards, once however often the open is retried, and offers', async () => {
    const before = host.plane.sessionCount;
    const open = { op: 'open', session: 'ms-good', owner: 'sig-1', client };
    await send(open, 'open-ms-good');
    await send(open, 'open-ms-good');
    await send(open, 'another-key');
    expect(host.plane.sessionCount - before).toBe(1);
    const offer = (await send({ op: 'offer', session: 'ms-good' })) as { sdp: string };
    expect(offer.sdp).toMatch(/^v=0/);
    expect(await send({ op: 'answer', session: 'ms-good', sdp: 'not sdp' })).toMatchObject({ refused: { code: expect.any(String) as string } });
    await send({ op: 'close', session: 'ms-good' });
    expect(host.plane.sessionCount - before).toBe(0);
  });

  it('closes the sessions of a signaling service that goes down and tells it, in case it was only cut off', async () => {
    const batches: unknown[] = [];
    const stop = control.serve('sig-9', 'media-events', (payload) => {
      batches.push(payload);
      return Promise.resolve({ unknown: [] });
    });
    const signaling = control.announce({ id: 'sig-9', kind: 'signaling', backend: 'a', capacity: 1, load: 0 });
    const before = host.plane.sessionCount;
    await send({ op: 'open', session: 'ms-orphan', owner: 'sig-9', client });
    expect(host.plane.sessionCount - before).toBe(1);
    await signaling.withdraw();
    const deadline = Date.now() + 3000;
    const closed = () => JSON.stringify(batches).includes('"type":"closed","session":"ms-orphan"');
    while (!closed() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(closed()).toBe(true);
    expect(JSON.stringify(batches)).toContain('media-host-lost');
    expect(host.plane.sessionCount - before).toBe(0);
    await expect(send({ op: 'offer', session: 'ms-orphan' })).rejects.toThrow(/unknown media session/);
    stop();
  });
});

describe('signaling under hostile media events', () => {
  it('refuses malformed batches and reports sessions it does not know', async () => {
    const control = new InProcessControlPlane();
    const remote = new RemoteMediaControl({ control, backend: 'a', id: 'sig-1' });
    const random = seededRandom(41);
    const base = { host: 'h1', events: [{ type: 'ready', session: 'ms-x' }] };
    let refused = 0;
    for (let i = 0; i < 300; i++) {
      try {
        const reply = (await control.request('sig-1', 'media-events', mutate(base, random), { retries: 0 })) as { unknown: string[] };
        expect(Array.isArray(reply.unknown)).toBe(true);
      } catch (err) {
        expect(err).toBeInstanceOf(RemoteCommandError);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(200);
    expect(await control.request('sig-1', 'media-events', base)).toEqual({ unknown: ['ms-x'] });
    await remote.close();
    await control.close();
  });
});
