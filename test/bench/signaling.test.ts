// The load tool drops loop broadcasts before parsing them (bench/lib/signaling.ts); replies and the
// pushes it waits for (candidate, media_ready) must always get through.
import { describe, expect, it } from 'vitest';
import { isLoopBroadcast } from '../../bench/lib/signaling.js';

const frame = (message: unknown): Buffer => Buffer.from(JSON.stringify(message));
const participants = Array.from({ length: 100 }, (_, i) => ({ client: `c${i}`, user: `op${i}`, role: 'ops' }));

describe('load tool signaling: loop broadcasts', () => {
  it('recognises a loop broadcast, however long its participant list', () => {
    expect(isLoopBroadcast(frame({ event: 'switch_loop_state', uuid: 'u', type: 'loop_broadcast', parameter: { loop: 'l0', state: 'recv', participants } }))).toBe(true);
    expect(isLoopBroadcast(frame({ event: 'talking', uuid: 'u', type: 'loop_broadcast', parameter: { loop: 'l0', state: true } }))).toBe(true);
  });

  it('lets replies, unicast pushes and other broadcasts through', () => {
    expect(isLoopBroadcast(frame({ event: 'media_ready', uuid: 'u', type: 'unicast', parameter: {} }))).toBe(false);
    expect(isLoopBroadcast(frame({ event: 'candidate', uuid: 'u', type: 'unicast', parameter: { candidate: 'candidate:1 1 UDP 1 10.0.0.1 9 typ host' } }))).toBe(false);
    expect(isLoopBroadcast(frame({ event: 'user_roles', uuid: 'u', type: 'user_broadcast', parameter: {} }))).toBe(false);
    // A reply echoes its request, whatever it contains.
    expect(isLoopBroadcast(frame({ event: 'switch_loop_state', uuid: 'u', type: 'loop_broadcast', request: { event: 'switch_loop_state' }, response: {} }))).toBe(false);
    expect(isLoopBroadcast(frame({ event: 'switch_loop_state', uuid: 'u', request: { event: 'switch_loop_state', type: 'loop_broadcast' }, response: {} }))).toBe(false);
  });

  it('parses a broadcast whose type comes late (another backend\'s key order) rather than guess', () => {
    expect(isLoopBroadcast(frame({ event: 'switch_loop_state', parameter: { participants }, type: 'loop_broadcast' }))).toBe(false);
  });
});
