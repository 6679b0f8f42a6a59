// The protocol client library on a scripted in-memory socket: correlation by uuid, errors by name, timeouts,
// pushes, close and reconnect. (The real server and real sockets: contract-session.test.ts and every signaling test.)
import { describe, expect, it, vi } from 'vitest';
import { ConnectionClosedError, ProtocolClient, RequestError, RequestTimeoutError, UnexpectedReplyError, type WebSocketLike } from '../../src/protocol/client/index.js';
import { ProtocolError } from '../../src/protocol/errors.js';

type SocketEvent = { type: string; data: unknown; code: number; message?: unknown };
type Handler = (event: SocketEvent) => void;

/** A socket double: records what the client sends, delivers what the test says the server sends. */
class ScriptedSocket implements WebSocketLike {
  readyState = 1;
  readonly sent: Array<{ event: string; uuid: string; client: string; parameter: Record<string, unknown> }> = [];
  private readonly handlers = new Map<string, Handler[]>();

  send(data: string): void {
    this.sent.push(JSON.parse(data) as ScriptedSocket['sent'][number]);
  }
  close(code = 1000): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.emit('close', { type: 'close', data: undefined, code });
  }
  addEventListener(type: string, listener: Handler): void {
    this.handlers.set(type, [...(this.handlers.get(type) ?? []), listener]);
  }
  emit(type: string, event: SocketEvent): void {
    for (const h of this.handlers.get(type) ?? []) h(event);
  }
  deliver(message: unknown): void {
    this.emit('message', { type: 'message', data: typeof message === 'string' ? message : JSON.stringify(message), code: 0 });
  }
  /** The server's reply to the n-th request sent. */
  reply(n: number, response: unknown, error?: unknown): void {
    const request = this.sent[n];
    if (!request) throw new Error(`no request ${n}`);
    this.deliver({ event: request.event, uuid: request.uuid, client: request.client, type: 'unicast', request, response, ...(error ? { error } : {}) });
  }
}

describe('protocol client', () => {
  it('matches replies to requests by uuid, in any order', async () => {
    const socket = new ScriptedSocket();
    const client = new ProtocolClient(socket, { client: 'c1' });
    const login = client.request('login', { user: 'alice', password: 'alice' });
    const roles = client.request('user_roles');
    expect(socket.sent.map((m) => [m.event, m.client])).toEqual([['login', 'c1'], ['user_roles', 'c1']]);
    expect(new Set(socket.sent.map((m) => m.uuid)).size).toBe(2);
    socket.reply(1, { roles: {} });
    socket.reply(0, { id: 'alice', session: 's1' });
    await expect(login).resolves.toEqual({ id: 'alice', session: 's1' });
    await expect(roles).resolves.toEqual({ roles: {} });
  });

  it('rejects error replies with the catalogue name, field path and details, not the text', async () => {
    const socket = new ScriptedSocket();
    const client = new ProtocolClient(socket);
    const switched = client.request('switch_loop_state', { loop: 'loop1', state: 'recv' });
    socket.reply(0, {}, ProtocolError.parameter(['state'], 'invalid option').toWire());
    const error = await switched.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestError);
    expect(error).toMatchObject({ event: 'switch_loop_state', code: 1008, errorName: 'parameter', field: ['state'], details: { problem: 'invalid option' } });
    // The openvocs backend sends code and description only: the name comes from the code.
    const other = client.request('talking', { loop: 'loop1', state: true });
    socket.reply(1, {}, { code: 5004, description: 'permission error' });
    expect(((await other.catch((e: unknown) => e)) as RequestError).is('permission')).toBe(true);
  });

  it("types a reply's response by the contract: openvocs' bare array and boolean come through, a wrong kind is an error", async () => {
    const socket = new ScriptedSocket();
    const client = new ProtocolClient(socket);
    const row = { id: '7', uri: '7.opus?u=a', loop: 'loop1', starttime: '2026-11-30 06:33:29', endtime: '2026-11-30 06:33:31' };
    const rows = client.request('get_recording', { loop: 'loop1', from: 0, to: 1 });
    socket.reply(0, [row]);
    await expect(rows).resolves.toEqual([row]);
    const ldap = client.request('is_ldap_enabled');
    socket.reply(1, false);
    await expect(ldap).resolves.toBe(false);
    // Absent: the empty value of the kind. Another kind: an error, never an object where the caller maps an array.
    const none = client.request('get_recording', { loop: 'loop1', from: 0, to: 1 });
    socket.reply(2, undefined);
    await expect(none).resolves.toEqual([]);
    const wrong = client.request('get_recording', { loop: 'loop1', from: 0, to: 1 });
    socket.reply(3, {});
    await expect(wrong).rejects.toBeInstanceOf(UnexpectedReplyError);
    const notObject = client.request('role_loops');
    socket.reply(4, [1]);
    await expect(notObject).rejects.toThrow(/role_loops: the reply's response is of kind array, the contract says object/);
    const missingBool = client.request('is_ldap_enabled');
    socket.reply(5, undefined);
    await expect(missingBool).rejects.toBeInstanceOf(UnexpectedReplyError);
    // exchange() is the untyped path: the reply as sent, error replies' `{}` included.
    const raw = client.exchange('get_recording', { loop: 'loop1' });
    socket.reply(6, {}, { code: 5004, description: 'permission error' });
    await expect(raw).resolves.toMatchObject({ response: {}, error: { code: 5004 } });
  });

  it('tells pushes from replies, types them by event, and ignores late replies and junk', async () => {
    const socket = new ScriptedSocket();
    const client = new ProtocolClient(socket);
    const volumes: number[] = [];
    client.on('switch_loop_volume', (p) => volumes.push(p.volume));
    const all = vi.fn();
    client.onPush(all);
    socket.deliver({ event: 'switch_loop_volume', uuid: 'p1', type: 'user_broadcast', parameter: { loop: 'loop1', volume: 70, user: 'a', role: 'r', client: 'c' } });
    socket.deliver({ event: 'media_ready', uuid: 'p2', type: 'unicast', parameter: {} });
    socket.deliver({ event: 'login', uuid: 'unknown', type: 'unicast', request: {}, response: {} });
    socket.deliver('not json');
    socket.deliver('[1]');
    expect(volumes).toEqual([70]);
    expect(all.mock.calls.map(([p]) => (p as { event: string }).event)).toEqual(['switch_loop_volume', 'media_ready']);
    const ready = client.waitForPush('vad', 1000, (p) => p.on);
    socket.deliver({ event: 'vad', uuid: 'p3', type: 'loop_broadcast', parameter: { loop: 'l', on: false } });
    socket.deliver({ event: 'vad', uuid: 'p4', type: 'loop_broadcast', parameter: { loop: 'l', on: true } });
    await expect(ready).resolves.toEqual({ loop: 'l', on: true });
  });

  it('times out a request, and closes the socket when told to', async () => {
    vi.useFakeTimers();
    try {
      const socket = new ScriptedSocket();
      const client = new ProtocolClient(socket, { timeoutMs: 100, closeOnTimeout: true });
      const closed = vi.fn();
      client.onClose(closed);
      const ping = client.request('ping');
      const outcome = ping.catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(100);
      expect(await outcome).toBeInstanceOf(RequestTimeoutError);
      expect(socket.readyState).toBe(3);
      expect(closed).toHaveBeenCalledWith(1000);
      socket.reply(0, {}); // too late: nothing happens
    } finally {
      vi.useRealTimers();
    }
  });

  it('rejects pending requests when the socket closes, and refuses new ones', async () => {
    const socket = new ScriptedSocket();
    const client = new ProtocolClient(socket);
    const pending = client.request('role_loops');
    socket.close(1006);
    await expect(pending).rejects.toBeInstanceOf(ConnectionClosedError);
    await expect(client.request('ping')).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(client.isOpen).toBe(false);
  });

  it('reconnects on a new socket with the same id and listeners, then runs the reconnect hooks', async () => {
    const first = new ScriptedSocket();
    const client = new ProtocolClient(first, { client: 'c1' });
    const pushes: string[] = [];
    client.onPush((p) => pushes.push(p.event));
    const order: string[] = [];
    client.onReconnect(async (c) => {
      order.push('hook');
      const login = c.request('login', { user: 'bob', password: 's' });
      second.reply(0, { id: 'bob', session: 's2' });
      await login;
      order.push('logged in');
    });
    const pending = client.request('ping');
    const second = new ScriptedSocket();
    await client.reconnect(second);
    await expect(pending).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(order).toEqual(['hook', 'logged in']);
    expect(second.sent[0]).toMatchObject({ event: 'login', client: 'c1' });
    first.deliver({ event: 'media_ready', uuid: 'old', type: 'unicast', parameter: {} });
    second.deliver({ event: 'media_ready', uuid: 'new', type: 'unicast', parameter: {} });
    expect(pushes).toEqual(['media_ready']);
  });
});
