// Who talks with which SSRC, as the owner of a session knows it (docs/recording.md "Who talks"): a media
// host answers the open with the session's uplink SSRC, signaling's RemoteMediaControl reports it as a
// talker (and its end), never guesses between two of its sessions with one SSRC, and ignores an SSRC
// that is not one; the media plane reports its own sessions the same way.
import { describe, expect, it } from 'vitest';
import type { ServiceInfo } from '../../src/control/control-plane.js';
import { InProcessControlPlane } from '../../src/control/in-process.js';
import { MEDIA_HOST_ROLE } from '../../src/media/remote/messages.js';
import { RemoteMediaControl } from '../../src/media/remote/remote-media-control.js';
import { useMediaHost } from './support/media-host.js';
import type { TalkerChange } from '../../src/media/talkers.js';
import { until } from '../support/until.js';

const client = (connectionId: string, user = 'bob') => ({ connectionId, user, role: 'ground', client: 'k1' });
const host = (id: string): ServiceInfo => ({ id, kind: 'edge', backend: 'a', capacity: 10, load: 0, meta: { role: MEDIA_HOST_ROLE } });
const summary = (c: TalkerChange) => [c.ssrc, c.client.user, c.present];

describe('a media host with a real plane', () => {
  const host = useMediaHost();
  const { control } = host;

  it('answers the open with the session\'s SSRC (the same on a retry); the plane reports it and its end', async () => {
    const changes: TalkerChange[] = [];
    const stop = host.plane.onTalker((c) => changes.push(c));
    const open = { op: 'open', session: 'ms-t1', owner: 'sig-1', client: client('x') };
    const answer = (await control.request('h1', 'media', open, { idempotencyKey: 'a' })) as { ssrc: number };
    expect(answer.ssrc).toEqual(expect.any(Number));
    expect(await control.request('h1', 'media', open, { idempotencyKey: 'b' })).toEqual({ ssrc: answer.ssrc });
    expect(host.plane.clientOfSsrc(answer.ssrc)).toMatchObject({ connectionId: 'ms-t1', user: 'bob' });
    // A listener added later hears the sessions there already.
    const late: TalkerChange[] = [];
    host.plane.onTalker((c) => late.push(c))();
    expect(late.map(summary)).toEqual([[answer.ssrc, 'bob', true]]);
    await control.request('h1', 'media', { op: 'close', session: 'ms-t1' });
    expect(changes.map(summary)).toEqual([[answer.ssrc, 'bob', true], [answer.ssrc, 'bob', false]]);
    expect(host.plane.clientOfSsrc(answer.ssrc)).toBeUndefined();
    stop();
  });
});

describe('RemoteMediaControl against scripted media hosts', () => {
  it('reports each session\'s SSRC from the open\'s answer, names nobody for an SSRC two of its sessions share, and ignores a bad SSRC', async () => {
    const control = new InProcessControlPlane({ heartbeatMs: 50, expiryMs: 500 });
    const answers: unknown[] = [{ ssrc: 0x1234 }, { ssrc: 0x1234 }, { ssrc: -5 }, { ssrc: 2 ** 32 }, { ssrc: '77' }, { ssrc: 0x99, extra: true }];
    for (const id of ['h1', 'h2']) {
      control.serve(id, 'media', (payload) => {
        const op = (payload as { op: string }).op;
        return Promise.resolve(op === 'open' ? answers.shift() : op === 'offer' ? { sdp: 'v=0' } : {});
      });
    }
    const announcements = [control.announce(host('h1')), control.announce(host('h2'))];
    const remote = new RemoteMediaControl({ control, backend: 'a', id: 'sig-1', timeoutMs: 200 });
    const changes: TalkerChange[] = [];
    remote.onTalker((c) => changes.push(c));
    const alice = remote.openSession(client('c1', 'alice'));
    await until('the first talker change', () => changes.length === 1, { timeoutMs: 3000, pollMs: 5 });
    expect(alice.ssrc).toBe(0x1234);
    expect(remote.clientOfSsrc(0x1234)).toMatchObject({ user: 'alice' });
    const carol = remote.openSession(client('c2', 'carol'));
    await until('the second talker change', () => changes.length === 2, { timeoutMs: 3000, pollMs: 5 });
    // Two of its sessions (on two hosts) with one SSRC: no guess.
    expect(remote.clientOfSsrc(0x1234)).toBeUndefined();
    const odd = [remote.openSession(client('c3')), remote.openSession(client('c4')), remote.openSession(client('c5')), remote.openSession(client('c6'))];
    for (const session of odd) expect(await session.offer()).toBe('v=0');
    expect(odd.map((s) => s.ssrc)).toEqual([undefined, undefined, undefined, undefined]);
    carol.close();
    expect(remote.clientOfSsrc(0x1234)).toMatchObject({ user: 'alice' });
    expect(changes.map(summary)).toEqual([[0x1234, 'alice', true], [0x1234, 'carol', true], [0x1234, 'carol', false]]);
    await remote.close();
    expect(changes.map(summary).slice(3)).toEqual([[0x1234, 'alice', false]]);
    for (const a of announcements) await a.withdraw();
    await control.close();
  });
});
