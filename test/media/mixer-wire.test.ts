// The engine messages as bytes for a mixer engine on another host (wire.ts): a round trip keeps every
// field and the payload; hostile input (truncated, wrong types, huge lengths, `__proto__` and
// `constructor` keys) is refused by the decoder or by the schema after it, never throws, never pollutes
// a prototype.
import { describe, expect, it } from 'vitest';
import { encodeWire, decodeWire, MAX_WIRE_HEADER } from '../../src/media/mixer/worker/wire.js';
import { parseFromEngine, parseToEngine } from '../../src/media/mixer/worker/validate.js';
import type { FromWorker, ToWorker } from '../../src/media/mixer/worker/messages.js';

const payload = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
const tick: ToWorker = {
  type: 'tick',
  seq: 3,
  tag: 960,
  nowMs: 12.5,
  pushes: [
    { loop: 'loop1', ssrc: 77, sequenceNumber: 9, timestamp: 4800, arrivalMs: 11, start: 0, end: 5 },
    { loop: 'loop2', ssrc: 78, sequenceNumber: 10, timestamp: 4801, arrivalMs: 12, start: 5, end: 8 },
  ],
  bytes: payload.slice().buffer,
};
const counters = { ticks: 1, idleTicks: 0, packets: 2, copies: 0, decodes: 2, conceals: 0, decodeErrors: 0, encodes: 1, primes: 0, independentFrames: 1, sharedHits: 0, silentListenerTicks: 0, gated: 0, tailFrames: 0 };
const mixed: FromWorker = { type: 'mixed', seq: 3, tag: 960, outputs: [{ kind: 'mix', listenerIds: ['a', 'b'], talkers: [77], start: 0, end: 8 }], bytes: payload.slice().buffer, idle: false, counters, busyMs: 0.4 };

/** Decoded and checked as the engine does it. */
function toEngine(data: Uint8Array): ReturnType<typeof parseToEngine> {
  const decoded = decodeWire(data);
  return decoded.ok ? parseToEngine(decoded.msg) : { ok: false, error: decoded.error };
}

function frame(header: string, body = new Uint8Array(0), declared?: number): Uint8Array {
  const h = Buffer.from(header);
  const out = Buffer.alloc(4 + h.length + body.length);
  out.writeUInt32BE(declared ?? h.length, 0);
  h.copy(out, 4);
  out.set(body, 4 + h.length);
  return out;
}

describe('engine messages on the wire', () => {
  it('round-trips every message with its payload', () => {
    const t = toEngine(encodeWire(tick));
    expect(t.ok && t.msg).toEqual({ ...tick, bytes: expect.any(ArrayBuffer) as ArrayBuffer });
    expect(t.ok && new Uint8Array((t.msg as Extract<ToWorker, { type: 'tick' }>).bytes)).toEqual(payload);
    const listener: ToWorker = { type: 'setListener', id: 'l1', ssrc: 5, volumes: { loop1: 50, constructor: 20 } };
    const l = toEngine(encodeWire(listener));
    expect(l.ok && l.msg).toEqual(listener);
    for (const msg of [{ type: 'setVolume', id: 'l1', loop: 'loop1', volume: 30 }, { type: 'removeListener', id: 'l1' }] as ToWorker[]) {
      const r = toEngine(encodeWire(msg));
      expect(r.ok && r.msg).toEqual(msg);
    }
    // Undefined fields do not survive JSON: a listener without SSRC and leaving a loop still pass.
    const noSsrc = toEngine(encodeWire({ type: 'setListener', id: 'l2', ssrc: undefined, volumes: {} }));
    expect(noSsrc.ok && noSsrc.msg).toEqual({ type: 'setListener', id: 'l2', volumes: {} });
    const leave = toEngine(encodeWire({ type: 'setVolume', id: 'l1', loop: 'loop1', volume: undefined }));
    expect(leave.ok && leave.msg).toEqual({ type: 'setVolume', id: 'l1', loop: 'loop1' });
    const m = decodeWire(encodeWire(mixed));
    const parsed = m.ok ? parseFromEngine(m.msg) : undefined;
    expect(parsed?.ok && parsed.msg).toEqual({ ...mixed, bytes: expect.any(ArrayBuffer) as ArrayBuffer });
    const ready = decodeWire(encodeWire({ type: 'ready' }));
    expect(ready.ok && parseFromEngine(ready.msg).ok).toBe(true);
  });

  it('a decoded payload is a copy of exactly its bytes (not the pool slab under a Buffer)', () => {
    const wire = Buffer.concat([Buffer.alloc(100, 9), Buffer.from(encodeWire(tick))]).subarray(100);
    const d = decodeWire(wire);
    expect(d.ok && (d.msg.bytes as ArrayBuffer).byteLength).toBe(payload.length);
  });

  it('refuses truncated, oversized and non-object frames', () => {
    const good = encodeWire(tick);
    const refused = [
      new Uint8Array(0),
      new Uint8Array([0, 0]),
      good.subarray(0, 10),
      frame('{"type":"ready"}', undefined, 0xffffffff),
      frame('{"type":"ready"}', undefined, MAX_WIRE_HEADER + 1),
      frame('{"type":"ready"}', undefined, 17),
      frame('{"type": '),
      frame('[1,2,3]'),
      frame('"tick"'),
      frame('null'),
      frame('{"type":"tick","bytes":[1,2]}'),
    ];
    for (const data of refused) expect(decodeWire(data).ok, Buffer.from(data).toString('hex')).toBe(false);
  });

  it('decoded but wrong: refused by the schema', () => {
    const bad = [
      '{"type":"tick","seq":"1","tag":0,"nowMs":0,"pushes":[]}',
      '{"type":"tick","seq":1,"tag":0,"nowMs":0,"pushes":[{"loop":"a","ssrc":1,"sequenceNumber":1,"timestamp":1,"arrivalMs":0,"start":0,"end":99}]}',
      '{"type":"setListener","id":"x","volumes":{"a":"loud"}}',
      '{"type":"setListener","id":"x","volumes":[1,2]}',
      '{"type":"exec","cmd":"rm -rf /"}',
      '{"type":"removeListener","id":{"toString":"x"}}',
      `{"type":"removeListener","id":"${'x'.repeat(300)}"}`,
      '{}',
    ];
    for (const header of bad) expect(toEngine(frame(header, new Uint8Array(4))).ok, header).toBe(false);
    expect(parseFromEngine((decodeWire(frame('{"type":"mixed","seq":1}')) as { msg: unknown }).msg).ok).toBe(false);
  });

  it('keys named __proto__ and constructor pollute nothing', () => {
    const hostile = frame('{"type":"setListener","id":"x","__proto__":{"polluted":1},"volumes":{"__proto__":{"polluted":2},"constructor":40,"loop1":60}}');
    const r = toEngine(hostile);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    if (r.ok && r.msg.type === 'setListener') {
      expect(Object.getPrototypeOf(r.msg)).toBe(Object.prototype);
      expect(Object.getPrototypeOf(r.msg.volumes)).toBe(Object.prototype);
      expect(r.msg.volumes).toEqual({ constructor: 40, loop1: 60 });
    } else {
      expect(r.ok).toBe(false);
    }
    const proto = decodeWire(frame('{"__proto__":{"type":"ready"}}'));
    expect(proto.ok && parseFromEngine(proto.msg).ok).toBe(false);
  });
});
