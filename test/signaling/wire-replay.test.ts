// Replays the client side of the real openvocs wire trace (every event that needs no audio) against
// Loopcast loaded with the fixture directory, and checks that every reply and broadcast the openvocs
// backend delivered arrives at the same socket with the same shape (keys and value types) and the
// same identifying values. Loopcast may send more in exactly one documented case (see EXTRA).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolClient, type Message } from '../support/protocol-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

interface TraceLine {
  t_ms: number;
  client: string;
  dir: 'open' | 'send' | 'recv' | 'close';
  json: Message | null;
}

const TRACE = fileURLToPath(new URL('../fixtures/openvocs-wire-log.jsonl', import.meta.url));
/** Media needs the media plane (issue 3); vad needs audio. */
const AUDIO_EVENTS = new Set(['media', 'candidate', 'end_of_candidates', 'media_ready', 'vad']);
/** Identifying values of a broadcast that must be equal, not only of the same type. */
const IDENTITY = ['loop', 'state', 'user', 'role', 'client', 'volume'] as const;

/** Keys and value types, recursively; `opaque` paths (user payloads) compare as "object". */
function shape(value: unknown, path = '', opaque: ReadonlySet<string> = new Set()): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return ['array', ...new Set(value.map((v) => JSON.stringify(shape(v, `${path}[]`, opaque))))].sort();
  if (typeof value === 'object') {
    if (opaque.has(path)) return 'object';
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return Object.fromEntries(entries.map(([k, v]) => [k, shape(v, `${path}.${k}`, opaque)]));
  }
  return typeof value;
}

/** User data is the client's own payload; its content differs with the recording's earlier state. */
const OPAQUE = new Set(['.response.data', '.request.parameter.roles', '.parameter.roles']);

/** The openvocs backend omits `type` on some replies; docs/openvocs-protocol.md §2 makes Loopcast always set it. */
function comparableShape(message: Message): unknown {
  const s = shape(message, '', OPAQUE) as Record<string, unknown>;
  if (message.request !== undefined) s.type = 'string';
  return s;
}

function participants(m: Message): string {
  const list = (m.parameter?.participants ?? m.response?.participants) as Array<Record<string, string>> | undefined;
  return JSON.stringify((list ?? []).map((p) => `${p.user}/${p.role}/${p.client}`).sort());
}

function sameBroadcast(expected: Message, actual: Message): boolean {
  if (actual.request !== undefined || actual.event !== expected.event || actual.type !== expected.type) return false;
  for (const key of IDENTITY) if (expected.parameter?.[key] !== actual.parameter?.[key]) return false;
  return participants(expected) === participants(actual);
}

/**
 * The one documented difference (docs/openvocs-protocol.md §6): a socket that left a loop stays subscribed in
 * Loopcast, so it also gets that loop's later switch_loop_state loop broadcasts (openvocs drops it).
 */
function isDocumentedExtra(m: Message): boolean {
  return m.event === 'switch_loop_state' && m.type === 'loop_broadcast';
}

describe('openvocs wire trace replay', () => {
  let server: TestServer;
  const trace: TraceLine[] = readFileSync(TRACE, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TraceLine);
  /** Every socket of the replay, in trace order, with what the trace says it received. */
  const sockets: Array<{ name: string; client: ProtocolClient; expected: Message[] }> = [];

  beforeAll(async () => {
    server = await startTestServer();
    const current = new Map<string, (typeof sockets)[number]>();
    for (const line of trace) {
      if (line.dir === 'open') {
        const clientId = trace.find((l) => l.client === line.client && l.dir === 'send' && l.t_ms >= line.t_ms)?.json?.client;
        const socket = { name: `${line.client}#${sockets.length}`, client: await ProtocolClient.connect(server.apiUrl, { clientId }), expected: [] };
        sockets.push(socket);
        current.set(line.client, socket);
        continue;
      }
      const socket = current.get(line.client);
      if (!socket || !line.json) {
        if (line.dir === 'close' && socket) expect(await socket.client.waitClosed()).toBe(1000);
        continue;
      }
      const event = line.json.event;
      if (line.dir === 'recv') {
        if (!AUDIO_EVENTS.has(event)) socket.expected.push(line.json);
        continue;
      }
      if (AUDIO_EVENTS.has(event)) continue;
      // Same uuid, client id and parameters as the openvocs web client sent.
      const reply = new Promise<Message>((resolve) => {
        void socket.client.waitFor((m) => m.uuid === line.json?.uuid && m.request !== undefined, 10_000, 'received').then(resolve);
      });
      socket.client.sendRaw(JSON.stringify(line.json));
      await reply;
    }
    // Broadcasts to other sockets are sent before the reply; give them a moment on the wire.
    await new Promise((r) => setTimeout(r, 300));
  });

  afterAll(async () => {
    for (const s of sockets) s.client.close();
    await server.stop();
  });

  it('replays at least the expected amount of traffic', () => {
    expect(sockets.map((s) => s.name)).toEqual(['alice#0', 'bob#1', 'alice#2', 'bob#3']);
    expect(sockets.reduce((n, s) => n + s.expected.length, 0)).toBeGreaterThan(60);
  });

  it('answers every request with a reply of the same shape', () => {
    for (const socket of sockets) {
      for (const expected of socket.expected.filter((m) => m.request !== undefined)) {
        const actual = socket.client.received.find((m) => m.uuid === expected.uuid && m.request !== undefined);
        expect(actual, `${socket.name}: reply to ${expected.event} ${expected.uuid}`).toBeDefined();
        if (!actual) continue;
        expect(actual.error, `${socket.name}: ${expected.event}`).toBeUndefined();
        expect(comparableShape(actual), `${socket.name}: ${expected.event} reply shape`).toEqual(comparableShape(expected));
        if (expected.event === 'switch_loop_state') expect(participants(actual)).toBe(participants(expected));
        if (expected.event === 'role_loops' || expected.event === 'user_roles') {
          const key = expected.event === 'role_loops' ? 'loops' : 'roles';
          expect(Object.keys(actual.response?.[key] as object).sort()).toEqual(Object.keys(expected.response?.[key] as object).sort());
        }
      }
    }
  });

  it('delivers every broadcast to the same sockets, same shape and identity', () => {
    for (const socket of sockets) {
      const unmatched = socket.client.received.filter((m) => m.request === undefined);
      for (const expected of socket.expected.filter((m) => m.request === undefined)) {
        const index = unmatched.findIndex((m) => sameBroadcast(expected, m));
        expect(index, `${socket.name}: ${expected.type} ${expected.event} ${JSON.stringify(expected.parameter)}`).toBeGreaterThanOrEqual(0);
        const [actual] = unmatched.splice(index, 1);
        if (actual) expect(comparableShape(actual)).toEqual(comparableShape(expected));
      }
      const undocumented = unmatched.filter((m) => !isDocumentedExtra(m));
      expect(undocumented, `${socket.name}: unexpected pushes`).toEqual([]);
    }
  });

  it('role_loops reports the role permissions of the fixture', () => {
    const alice = sockets[0]?.client.received.find((m) => m.event === 'role_loops' && m.request !== undefined);
    const loops = alice?.response?.loops as Record<string, { permission: string; layout_position: unknown[] }>;
    expect(Object.fromEntries(Object.entries(loops).map(([id, l]) => [id, l.permission]))).toEqual({ loop1: 'send', loop2: 'send', loop3: 'recv', loop4: 'send' });
    expect(loops.loop4?.layout_position).toEqual([{ column: 2, row: 2, page: 1 }]);
  });
});
