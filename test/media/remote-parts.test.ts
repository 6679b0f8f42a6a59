// The pure parts of signaling ↔ media hosts (src/media/remote): which host takes a session, what the
// wire accepts, how voice activity of several hosts combines, loop addresses, and how a remote session
// maps commands and events (against a scripted media host on the in-process control plane).
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { ServiceInfo } from '../../src/control/control-plane.js';
import { InProcessControlPlane } from '../../src/control/in-process.js';
import type { LoopKey } from '../../src/directory/loop-key.js';
import type { MediaLoss } from '../../src/media/control.js';
import { EdgeError } from '../../src/media/edge/edge-error.js';
import { chooseMediaHost } from '../../src/media/remote/host-choice.js';
import { LoopAddresses } from '../../src/media/remote/loop-addresses.js';
import { MEDIA_HOST_ROLE, mediaCommandSchema, mediaEventBatchSchema } from '../../src/media/remote/messages.js';
import { RemoteMediaControl } from '../../src/media/remote/remote-media-control.js';
import { VadCombiner } from '../../src/media/remote/vad-combiner.js';
import { EventOutbox, MAX_QUEUED } from '../../src/media/remote/event-outbox.js';
import { until } from '../support/until.js';

const host = (id: string, load: number, extra: Partial<ServiceInfo> = {}): ServiceInfo => ({ id, kind: 'edge', backend: 'a', capacity: 2, load, meta: { role: MEDIA_HOST_ROLE }, ...extra });
const loop = { key: 'project/p1/loop1' as LoopKey };

describe('chooseMediaHost', () => {
  it('takes the media host of its backend with the most free sessions, counting its own placements', () => {
    const services = [host('h2', 0), host('h1', 0), host('h3', 0, { backend: 'b' }), host('h4', 0, { meta: {} }), host('h5', 0, { kind: 'mixer' })];
    expect(chooseMediaHost(services, 'a', new Map())?.id).toBe('h1');
    // The reported load lags: h1 has two of ours already, h2 none.
    expect(chooseMediaHost(services, 'a', new Map([['h1', 1]]))?.id).toBe('h2');
    expect(chooseMediaHost([host('h1', 1), host('h2', 2)], 'a', new Map())?.id).toBe('h1');
    expect(chooseMediaHost([host('h1', 0), host('h2', 2)], 'a', new Map([['h1', 2]]))).toBeUndefined();
    expect(chooseMediaHost([], 'a', new Map())).toBeUndefined();
    expect(chooseMediaHost(services, 'a', new Map(), new Set(['h1']))?.id).toBe('h2');
  });
});

describe('wire schemas', () => {
  it('accept the commands and events signaling and hosts send, and nothing else', () => {
    const client = { connectionId: 'c1', user: 'bob', role: 'ground', client: 'k1' };
    expect(mediaCommandSchema.safeParse({ op: 'open', session: 'ms-1', owner: 'a-signaling-1', client }).success).toBe(true);
    expect(mediaCommandSchema.safeParse({ op: 'set-loop', session: 'ms-1', loop: { ...loop, multicast: { host: '239.255.0.1', port: 20000 } }, state: 'recv', volume: 50 }).success).toBe(true);
    const bad: unknown[] = [
      null,
      'open',
      { op: 'open', session: 'ms-1', owner: 'x', client: { ...client, extra: 1 } },
      { op: 'open', session: 'a.b', owner: 'x', client },
      { op: 'set-loop', session: 'ms-1', loop, state: 'talk', volume: 50 },
      { op: 'set-loop', session: 'ms-1', loop, state: 'recv', volume: 101 },
      { op: 'set-loop', session: 'ms-1', loop: { key: '../../etc' }, state: 'recv', volume: 5 },
      { op: 'answer', session: 'ms-1', sdp: 'x'.repeat(70_000) },
      { op: 'candidate', session: 'ms-1', candidate: { candidate: 1 } },
      { op: 'reboot', session: 'ms-1' },
      { op: 'offer', session: 'ms-1', __proto__: { x: 1 }, extra: true },
    ];
    for (const payload of bad) expect(mediaCommandSchema.safeParse(payload).success, JSON.stringify(payload)).toBe(false);
    expect(mediaEventBatchSchema.safeParse({ host: 'h1', events: [{ type: 'ready', session: 'ms-1' }, { type: 'vad', loop, on: true, talkers: [] }] }).success).toBe(true);
    expect(mediaEventBatchSchema.safeParse({ host: 'h1', events: [{ type: 'closed', session: 'ms-1' }] }).success).toBe(false);
    expect(mediaEventBatchSchema.safeParse({ host: 'h1', events: [{ type: 'stats', stats: { 'ms-1': { connected: true, packetsIn: -1, packetsOut: 0, uplinkLoss: 0, uplinkJitterMs: 0 } } }] }).success).toBe(false);
  });
});

describe('EventOutbox', () => {
  it('keeps order, batches while a batch travels, and bounds what waits for a signaling service that does not answer', async () => {
    const control = new InProcessControlPlane();
    const batches: Array<Array<{ type: string; session?: string }>> = [];
    let answer = true;
    control.serve('sig-1', 'media-events', (payload) => {
      batches.push((payload as { events: Array<{ type: string; session?: string }> }).events);
      return answer ? Promise.resolve({ unknown: ['ms-2'] }) : new Promise(() => undefined);
    });
    const unknown: string[][] = [];
    const failures: string[] = [];
    const outbox = new EventOutbox({ control, host: 'h1', owner: 'sig-1', timeoutMs: 50, onUnknown: (ids) => unknown.push(ids), onFailure: (m) => failures.push(m), onClosed: () => undefined });
    for (let i = 0; i < 3; i++) outbox.push({ type: 'ready', session: `ms-${i}` });
    await until('the outbox idle', () => outbox.idle, { timeoutMs: 3000, pollMs: 5 });
    expect(batches.map((b) => b.map((e) => e.session))).toEqual([['ms-0'], ['ms-1', 'ms-2']]);
    expect(unknown).toEqual([['ms-2'], ['ms-2']]);
    answer = false;
    outbox.push({ type: 'ready', session: 'ms-first' });
    for (let i = 0; i < MAX_QUEUED + 500; i++) outbox.push(i % 2 ? { type: 'stats', stats: {} } : { type: 'ready', session: `ms-q${i}` });
    expect(outbox.queued).toBeLessThanOrEqual(MAX_QUEUED);
    expect(outbox.queued).toBeGreaterThan(MAX_QUEUED / 2 - 1);
    await until('a failure reporting dropped events', () => failures.some((f) => f.includes('dropped')), { timeoutMs: 3000, pollMs: 5 });
    outbox.close();
    await control.close();
  });
});

describe('VadCombiner', () => {
  const alice = { user: 'alice', role: 'flight', client: 'k1' };
  it('keeps a loop on while any host says on, with the union of talkers, and drops a lost host', () => {
    const vad = new VadCombiner();
    expect(vad.report('h1', { loop, on: true, talkers: [alice] })).toEqual({ loop, on: true, talkers: [alice] });
    // The second host agrees a frame later: no second `on`.
    expect(vad.report('h2', { loop, on: true, talkers: [] })).toBeUndefined();
    // One host goes off first: still on, no flap (only alice's name went: h1 was the host that knew it).
    expect(vad.report('h1', { loop, on: false, talkers: [] })).toEqual({ loop, on: true, talkers: [] });
    expect(vad.report('h2', { loop, on: false, talkers: [] })).toEqual({ loop, on: false, talkers: [] });
    expect(vad.report('h2', { loop, on: false, talkers: [] })).toBeUndefined();
    vad.report('h1', { loop, on: true, talkers: [alice] });
    expect(vad.dropHost('h2')).toEqual([]);
    expect(vad.dropHost('h1')).toEqual([{ loop, on: false, talkers: [] }]);
  });
});

describe('LoopAddresses', () => {
  it('keeps configured groups and allocates the others as a multicast bus with the same loop list does', () => {
    let loops = [{ id: 'project/p/a' }, { id: 'project/p/b', address: { host: '239.1.1.1', port: 5000 } }];
    const addresses = new LoopAddresses(() => loops);
    const a = addresses.resolve({ key: 'project/p/a' as LoopKey }).multicast;
    expect(a?.port).toBe(20000);
    expect(addresses.resolve({ key: 'project/p/b' as LoopKey, multicast: { host: '239.1.1.1', port: 5000 } }).multicast?.host).toBe('239.1.1.1');
    loops = [...loops, { id: 'project/p/c' }];
    addresses.invalidate();
    expect(addresses.resolve({ key: 'project/p/a' as LoopKey }).multicast).toEqual(a);
    expect(addresses.resolve({ key: 'project/p/c' as LoopKey }).multicast).not.toEqual(a);
  });
});

describe('RemoteMediaSession against a scripted media host', () => {
  function setUp(answers: (op: string) => unknown, registry?: Registry) {
    const control = new InProcessControlPlane({ heartbeatMs: 50, expiryMs: 200 });
    const commands: Array<Record<string, unknown>> = [];
    control.serve('h1', 'media', (payload) => {
      const command = payload as Record<string, unknown>;
      commands.push(command);
      return Promise.resolve(answers(String(command.op)));
    });
    const announcement = control.announce(host('h1', 0));
    const remote = new RemoteMediaControl({ control, backend: 'a', id: 'sig-1', timeoutMs: 100, addressOf: (l) => ({ ...l, multicast: { host: '239.255.0.9', port: 20000 } }), ...(registry ? { registry } : {}) });
    const events = (batch: unknown) => control.request('sig-1', 'media-events', batch);
    return { control, commands, announcement, remote, events };
  }
  const client = { connectionId: 'c1', user: 'bob', role: 'ground', client: 'k1' };

  it('sends commands in order with the loop address, holds candidates until the offer, maps events and refusals', async () => {
    const { control, commands, remote, events } = setUp((op) => (op === 'offer' ? { sdp: 'v=0' } : op === 'answer' ? { refused: { code: 'bad-sdp', message: 'no audio' } } : {}));
    const session = remote.openSession(client);
    const seen: string[] = [];
    session.on('ready', () => seen.push('ready'));
    session.on('candidate', (c) => seen.push(`candidate ${c.candidate}`));
    session.on('talkReleased', (l) => seen.push(`released ${l.key}`));
    const offered = session.offer();
    await until('the open command', () => commands.length >= 1, { timeoutMs: 3000, pollMs: 5 });
    const sessionId = String(commands[0]!.session);
    // A candidate that overtakes the offer's answer waits for it.
    expect(await events({ host: 'h1', events: [{ type: 'candidate', session: sessionId, candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 } }] })).toEqual({ unknown: [] });
    expect(await offered).toBe('v=0');
    expect(seen).toEqual(['candidate candidate:1 1 udp 1 127.0.0.1 9 typ host']);
    await expect(session.answer('v=0')).rejects.toThrow(EdgeError);
    expect(() => session.addCandidate({ candidate: 'candidate:x 1 udp 1 evil.example 9 typ host' })).toThrow(EdgeError);
    session.setLoop(loop, 'recv', 40);
    session.setLoop(loop, 'none', 40);
    await until('five commands', () => commands.length >= 5, { timeoutMs: 3000, pollMs: 5 });
    expect(commands.map((c) => c.op)).toEqual(['open', 'offer', 'answer', 'set-loop', 'set-loop']);
    expect(commands[3]).toMatchObject({ state: 'recv', loop: { key: loop.key, multicast: { host: '239.255.0.9' } } });
    expect(commands[4]).toMatchObject({ state: 'none' });
    await events({ host: 'h1', events: [{ type: 'ready', session: sessionId }, { type: 'talk-released', session: sessionId, loop }, { type: 'stats', stats: { [sessionId]: { connected: true, packetsIn: 5, packetsOut: 7, uplinkLoss: 0, uplinkJitterMs: 1 } } }] });
    expect(seen.slice(1)).toEqual(['ready', `released ${loop.key}`]);
    expect(session.stats()).toMatchObject({ connected: true, packetsIn: 5 });
    // Another host cannot speak for this session; an unknown session is named back.
    expect(await events({ host: 'h9', events: [{ type: 'ready', session: sessionId }] })).toEqual({ unknown: [sessionId] });
    expect(seen.filter((s) => s === 'ready')).toHaveLength(1);
    await expect(events({ host: 'h1', events: [{ type: 'explode' }] })).rejects.toThrow(/malformed/);
    await remote.close();
    await control.close();
  });

  it('loses every session of a host that leaves a command unanswered (no new ones there for a while) or goes down', async () => {
    const registry = new Registry();
    const { control, remote } = setUp((op) => (op === 'offer' ? new Promise(() => undefined) : {}), registry);
    control.serve('h2', 'media', () => Promise.resolve({}));
    const h2 = control.announce(host('h2', 1));
    expect(remote.hostsCheck()).toEqual({ ok: true, detail: '2 media host(s)' });
    const a = remote.openSession(client);
    const b = remote.openSession({ ...client, connectionId: 'c2' });
    expect(Object.fromEntries(remote.placed())).toEqual({ h1: 2 });
    const losses: MediaLoss[] = [];
    for (const s of [a, b]) s.on('closed', (l) => losses.push(l));
    // b's offer is never answered: after the retries, both sessions on h1 are lost.
    await expect(b.offer()).rejects.toThrow(/no answer/);
    expect(losses.map((l) => l.code)).toEqual(['media-host-lost', 'media-host-lost']);
    expect(losses[0]!.description).toMatch(/media host h1 did not answer offer/);
    expect(remote.placed().size).toBe(0);
    // h1 still heartbeats but gets no new session now: h2 (fuller) takes it.
    const c = remote.openSession(client);
    expect(Object.fromEntries(remote.placed())).toEqual({ h2: 1 });
    c.on('closed', (l) => losses.push(l));
    await h2.withdraw();
    await until('the third session lost', () => losses.length === 3, { timeoutMs: 3000, pollMs: 5 });
    expect(losses[2]!.description).toMatch(/media host h2 is down/);
    expect(() => remote.openSession(client)).toThrow(/no media host of backend a/);
    // Readiness says why: h1 is up but does not answer (no session for it now), h2 is gone.
    expect(remote.hostsCheck()).toEqual({ ok: false, detail: 'no media host of backend a has a free session' });
    const metrics = await registry.metrics();
    expect(metrics).toContain('loopcast_media_hosts_lost_total{reason="unanswered"} 1');
    expect(metrics).toContain('loopcast_media_hosts_lost_total{reason="down"} 1');
    expect(metrics).toContain('loopcast_media_hosts 1');
    expect(metrics).toContain('loopcast_media_host_sessions 0');
    await remote.close();
    await control.close();
  });
});
