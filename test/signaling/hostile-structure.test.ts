// Issue 9, class 1 (hostile structure): frames within the size limit but with a hostile shape. Each case
// was sent as an attacker would, unauthenticated unless noted; afterwards the server must still be up and
// an unrelated logged-in socket (the witness) still served. The first cases took the server down before:
// JSON.parse copes with any nesting, but the reply echoes the request and JSON.stringify recursed into
// it (RangeError inside the dispatcher's promise chain → unhandled rejection → process exit).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MediaClientInfo, MediaControl, MediaSession, MediaSessionEvents } from '../../src/media/control.js';
import { getHealth, RawSocket } from '../support/fuzz-tools.js';
import { ProtocolClient, type Message } from '../support/protocol-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let witness: ProtocolClient;
const opened: Array<{ close(): void }> = [];

const deep = (depth: number, inner = '0'): string => '['.repeat(depth) + inner + ']'.repeat(depth);
const frame = (event: unknown, parameter: unknown, uuid: unknown = 'u-1', extra = ''): string =>
  `{"event":${JSON.stringify(event)},"uuid":${JSON.stringify(uuid)},"type":"unicast"${extra},"parameter":${typeof parameter === 'string' ? parameter : JSON.stringify(parameter)}}`;

async function raw(): Promise<RawSocket> {
  const socket = await RawSocket.connect(server.apiUrl);
  opened.push(socket);
  return socket;
}

let uuidCounter = 0;
const nextUuid = (): string => `req-${++uuidCounter}`;

async function rawAs(user: string, role: string): Promise<RawSocket> {
  const socket = await raw();
  expect((await socket.request('login', { user, password: user }, nextUuid())).error).toBeUndefined();
  expect((await socket.request('authorize', { role }, nextUuid())).error).toBeUndefined();
  return socket;
}

async function expectHealthy(): Promise<void> {
  expect((await getHealth(server.port)).body.status).toBe('ok');
  expect(witness.closeCode).toBeUndefined();
  expect(await witness.ok('ping')).toEqual({});
  expect(Object.keys((await witness.ok('role_loops')).loops as object).sort()).toEqual(['loop1', 'loop2', 'loop3', 'loop4']);
}

/** Send one text frame and return the next reply on that socket. */
async function answer(socket: RawSocket, text: string): Promise<ReturnType<RawSocket['waitForReply']> extends Promise<infer R> ? R : never> {
  const before = socket.replies.length;
  socket.sendText(text);
  await socket.waitForReplyCount(before + 1);
  return socket.replies[before] as never;
}

beforeAll(async () => {
  server = await startTestServer();
  witness = await ProtocolClient.connect(server.apiUrl);
  await witness.loginAs('bob', 'bob', 'ground');
});

afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});

afterAll(async () => {
  witness?.close();
  await server?.stop();
});

describe('nesting', () => {
  it('answers a 60 KiB [[[[…]]]] frame with 1008 naming the depth limit', async () => {
    const s = await raw();
    const text = deep(30_000);
    expect(text.length).toBeLessThan(64 * 1024);
    const reply = await answer(s, text);
    expect(reply.error).toMatchObject({ code: 1008, description: 'message structure: nesting too deep (limit 32)' });
    expect(s.anomalies).toEqual([]);
    await expectHealthy();
  });

  // Regression: this one unauthenticated frame ended the process (see the header).
  it('answers a deeply nested parameter of ping with 1008 and keeps serving', async () => {
    const s = await raw();
    const reply = await answer(s, frame('ping', `{"a":${deep(20_000)}}`, 'deep-ping'));
    expect(reply.uuid).toBe('deep-ping');
    expect(reply.error?.code).toBe(1008);
    expect(reply.error?.description).toMatch(/nesting too deep \(limit 32\)/);
    expect(JSON.stringify(reply.request).length).toBeLessThan(300);
    expect(await s.request('ping', {}, 'after')).toMatchObject({ uuid: 'after', response: {} });
    await expectHealthy();
  });

  it('accepts nesting up to the limit and refuses one level more', async () => {
    const s = await raw();
    // envelope (1) + parameter (2) + a (3..): 29 more arrays reach exactly 32.
    const ok = await answer(s, frame('ping', `{"a":${deep(30)}}`, 'at-limit'));
    expect(ok.error).toBeUndefined();
    const refused = await answer(s, frame('ping', `{"a":${deep(31)}}`, 'over-limit'));
    expect(refused.error?.code).toBe(1008);
  });

  // Regression: the rate-limit refusal echoed the request synchronously inside the socket's message
  // listener: a deep frame there threw an uncaught exception.
  it('survives deep frames sent faster than the rate limit', async () => {
    const s = await raw();
    for (let i = 0; i < 150; i++) s.sendText(frame('ping', `{"a":${deep(200)}}`, `burst-${i}`));
    await s.waitForReplyCount(150, 20_000);
    expect(s.replies.every((r) => r.error?.code === 1008 || r.error?.code === 50000)).toBe(true);
    await expectHealthy();
  });
});

describe('sizes and counts inside the frame limit', () => {
  it('refuses 20,000 values in a valid field with 1008 naming the limit', async () => {
    const alice = await rawAs('alice', 'flight');
    const refused = await alice.request('set_user_data', { list: new Array(20_000).fill(0) }, nextUuid());
    expect(refused.error).toMatchObject({ code: 1008, description: 'message structure: too many values (limit 10000)' });
    // Many keys: 3,500 keys each holding [0, 0] are 10,501 values in 45 KB.
    const wide = Object.fromEntries(Array.from({ length: 3_500 }, (_, i) => [`k${i}`, [0, 0]]));
    expect((await alice.request('set_user_data', wide, nextUuid())).error?.code).toBe(1008);
    // Within the limit it is stored and read back unchanged.
    const list = new Array(5_000).fill(7);
    expect((await alice.request('set_user_data', { list }, nextUuid())).error).toBeUndefined();
    expect(((await alice.request('get_user_data', {}, nextUuid())).response.data as { list: number[] }).list).toEqual(list);
    await expectHealthy();
  });

  it('refuses a string or key over 32 KiB with 1008', async () => {
    const s = await raw();
    const longString = await answer(s, frame('ping', { x: 'y'.repeat(40_000) }, 'long-string'));
    expect(longString.error?.description).toBe('message structure: string too long (40000 characters, limit 32768)');
    const longKey = await answer(s, frame('ping', { ['k'.repeat(40_000)]: 1 }, 'long-key'));
    expect(longKey.error?.description).toMatch(/object key too long/);
    await expectHealthy();
  });

  // Regression: error replies echoed the whole request and descriptions named fields of any length.
  it('never echoes a large request in an error reply, and bounds descriptions', async () => {
    const s = await raw();
    const big = 'x'.repeat(30_000);
    const unknown = await answer(s, frame('no_such_event', { blob: big }, 'big-unknown'));
    expect(unknown.error?.code).toBe(1008);
    expect(unknown.request.parameter).toEqual({});
    const alice = await rawAs('alice', 'flight');
    // A zod issue path names the offending key: here a 20,000-character one.
    const reply = await alice.request('set_layout', { role: 'flight', layout: { ['L'.repeat(20_000)]: 'not a position' } }, nextUuid());
    expect(reply.error?.code).toBe(1008);
    expect(reply.error?.description.length).toBeLessThanOrEqual(257);
    expect(JSON.stringify(reply).length).toBeLessThan(2_000);
  });
});

describe('types and names', () => {
  it('answers every ill-typed envelope with one well-formed 1008 reply', async () => {
    const s = await raw();
    const frames = [
      frame('ping', []),
      frame('ping', null),
      frame('ping', 'string'),
      frame('ping', 42),
      frame(['ping'], {}),
      frame({ event: 'ping' }, {}),
      frame('ping', {}, 123),
      frame('ping', {}, { uuid: 'x' }),
      frame('ping', {}, 'u'.repeat(20_000)),
      frame('ping', {}, 'client-typed', ',"client":{"id":1}'),
      frame('ping', {}, 'client-huge', `,"client":"${'c'.repeat(20_000)}"`),
      frame('e'.repeat(5_000), {}),
      '{"__proto__":{"event":"ping","uuid":"proto-envelope"}}',
    ];
    for (const text of frames) {
      const reply = await answer(s, text);
      expect(reply.error?.code, text.slice(0, 80)).toBe(1008);
      expect(JSON.stringify(reply).length, text.slice(0, 80)).toBeLessThan(1_000);
    }
    expect(s.anomalies).toEqual([]);
    await expectHealthy();
  });

  it('treats inherited names as unknown events and __proto__ keys as plain data', async () => {
    const s = await raw();
    for (const event of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'prototype']) {
      const reply = await answer(s, frame(event, {}, `name-${event}`));
      expect(reply.error, event).toMatchObject({ code: 1008 });
      expect(reply.error?.description).toMatch(/unknown event/);
    }
    const proto = await answer(s, frame('ping', '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}', 'proto-param'));
    // `__proto__` is a reserved key (src/protocol/reserved.ts): refused with 1008, never applied.
    if (proto.error) expect(proto.error.code).toBe(1008);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const alice = await rawAs('alice', 'flight');
    // Stored as plain data, or refused as a reserved key (1008): never applied to a prototype.
    const stored = await answer(alice, frame('set_user_data', '{"__proto__":{"polluted":true},"a":{"__proto__":{"polluted":true}}}', 'proto-data'));
    if (stored.error) expect(stored.error.code).toBe(1008);
    const data = (await alice.request('get_user_data', {}, nextUuid())).response.data as Record<string, unknown>;
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(data.polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await expectHealthy();
  });

  it('handles unicode: lone surrogates, NUL and emoji in events, ids and passwords', async () => {
    const s = await raw();
    for (const text of [frame('\ud800', {}), frame('ping\u0000', {}), frame('😀', {}), frame('login', { user: '\udfff', password: '\u0000' })]) {
      const reply = await answer(s, text);
      expect([1008, 5000]).toContain(reply.error?.code);
    }
    expect(s.anomalies).toEqual([]);
    await expectHealthy();
  });
});

describe('containing a fault to one connection', () => {
  /** A media plane whose sessions hand the server a candidate it cannot serialize (a cycle), like a faulty native callback. */
  class CyclicCandidateMedia implements MediaControl {
    openSession(_client: MediaClientInfo): MediaSession {
      const listeners: Partial<{ [E in keyof MediaSessionEvents]: MediaSessionEvents[E] }> = {};
      const session: MediaSession = {
        offer: () => {
          setImmediate(() => {
            const candidate: Record<string, unknown> = { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0' };
            candidate.self = candidate;
            listeners.candidate?.(candidate as never);
          });
          return Promise.resolve('v=0\r\n');
        },
        answer: () => Promise.resolve(),
        addCandidate: () => undefined,
        endOfCandidates: () => undefined,
        setLoop: () => undefined,
        setTalking: () => undefined,
        on: (event, listener) => {
          (listeners as Record<string, unknown>)[event] = listener;
        },
        stats: () => ({ connected: false, packetsIn: 0, packetsOut: 0, uplinkLoss: 0, uplinkJitterMs: 0 }),
        close: () => undefined,
      };
      return session;
    }
    onVoiceActivity(): void {}
    close(): Promise<void> {
      return Promise.resolve();
    }
  }

  // Regression: the send threw inside the media callback, an uncaught exception that ended the process.
  it('closes only the faulty session (1011) and keeps every other socket served', async () => {
    const target = await startTestServer({ media: new CyclicCandidateMedia() });
    try {
      const bob = await ProtocolClient.connect(target.apiUrl);
      opened.push(bob);
      await bob.loginAs('bob', 'bob', 'ground');
      const alice = await ProtocolClient.connect(target.apiUrl);
      opened.push(alice);
      await alice.loginAs('alice', 'alice', 'flight');
      const offer: Message = await alice.request('media', { type: 'request' });
      expect(offer.response).toMatchObject({ type: 'offer' });
      expect(await alice.waitClosed()).toBe(1011);
      expect(await bob.ok('ping')).toEqual({});
      expect(bob.closeCode).toBeUndefined();
      const again = await ProtocolClient.connect(target.apiUrl);
      opened.push(again);
      await again.loginAs('alice', 'alice', 'flight');
      expect(await again.ok('ping')).toEqual({});
    } finally {
      await target.stop();
    }
  });
});
