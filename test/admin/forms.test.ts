// Pure console logic: field validation, multicast allocation and conflicts, server error mapping.
import { describe, expect, it } from 'vitest';
import { ProtocolError, type WireError } from '../../src/protocol/errors.js';
import { belongsTo, fieldError, isUnsupported, RequestError } from '../../web/admin/src/logic/errors.js';
import { allocateMulticast, conflictingLoop, parseMulticast } from '../../web/admin/src/logic/multicast.js';
import { colorProblem, idProblem, passwordProblem } from '../../web/admin/src/logic/validation.js';

describe('validation', () => {
  it('mirrors the server id rule', () => {
    expect(idProblem('mcc@127.0.0.1')).toBeUndefined();
    expect(idProblem('')).toBe('required');
    expect(idProblem('a/b')).toMatch(/slashes/);
    expect(idProblem('.hidden')).toMatch(/"\."/);
    expect(idProblem('x'.repeat(129))).toMatch(/128/);
  });

  it('enforces the password strength rule', () => {
    expect(passwordProblem('short')).toMatch(/at least 8/);
    expect(passwordProblem('aaaaaaaa')).toMatch(/single character/);
    expect(passwordProblem('Operator', 'operator')).toMatch(/user id/);
    expect(passwordProblem('eve-secret-1', 'eve')).toBeUndefined();
  });

  it('accepts #rrggbb colours or nothing', () => {
    expect(colorProblem('')).toBeUndefined();
    expect(colorProblem('#7c3aed')).toBeUndefined();
    expect(colorProblem('purple')).toMatch(/#rrggbb/);
  });
});

describe('multicast', () => {
  it('parses group:port and explains what is wrong', () => {
    expect(parseMulticast('')).toEqual({ ok: true, value: undefined });
    expect(parseMulticast(' 239.255.0.1:20005 ')).toEqual({ ok: true, value: { host: '239.255.0.1', port: 20005 } });
    expect(parseMulticast('10.0.0.1:20005')).toMatchObject({ ok: false, problem: expect.stringMatching(/not a multicast group/) as unknown });
    expect(parseMulticast('239.1.1.1:70000')).toMatchObject({ ok: false });
    expect(parseMulticast('239.1.1')).toMatchObject({ ok: false });
  });

  it('finds conflicts, ignoring the loop being edited', () => {
    const loops = [{ id: 'loop1', multicast: { host: '224.0.0.1', port: 20001 } }, { id: 'loop2' }];
    expect(conflictingLoop({ host: '224.0.0.1', port: 20001 }, loops)).toBe('loop1');
    expect(conflictingLoop({ host: '224.0.0.1', port: 20001 }, loops, 'loop1')).toBeUndefined();
    expect(conflictingLoop({ host: '224.0.0.2', port: 20001 }, loops)).toBeUndefined();
  });

  it('allocates above the highest port and skips taken addresses', () => {
    expect(allocateMulticast(0, [])).toEqual({ host: '239.255.0.1', port: 20001 });
    expect(allocateMulticast(20004, [])).toEqual({ host: '239.255.0.1', port: 20005 });
    expect(allocateMulticast(20004, [{ id: 'x', multicast: { host: '239.255.0.1', port: 20010 } }])).toEqual({ host: '239.255.0.1', port: 20011 });
    expect(() => allocateMulticast(65535, [])).toThrow(/no free multicast port/);
  });
});

describe('server errors on fields', () => {
  // The errors as the server builds them (src/protocol/errors.ts), through the wire shape the client reads.
  const received = (error: ProtocolError, event = 'update') => new RequestError(event, JSON.parse(JSON.stringify(error.toWire())) as WireError);
  const invalidChange = (path: (string | number)[], problem: string) =>
    ProtocolError.named('invalidChange', `invalid change: ${path.join('.')}: ${problem}`, { field: path, details: { problem } });

  it('maps parameter errors and invalid changes to the edited entity, by field path', () => {
    expect(fieldError(received(ProtocolError.parameter('password', 'at least 8 characters')), 'eve')).toEqual({ field: 'password', message: 'at least 8 characters' });
    expect(fieldError(received(ProtocolError.parameter('data.id', 'does not match id')))).toEqual({ field: 'id', message: 'does not match id' });
    expect(fieldError(received(invalidChange(['loops', 'loop1', 'multicast', 'port'], 'expected number')), 'loop1')).toEqual({ field: 'multicast.port', message: 'expected number' });
    expect(fieldError(received(invalidChange(['loops', 'x'], 'id already used in project "p"')), 'x')).toEqual({ field: '', message: 'id already used in project "p"' });
    expect(fieldError(received(ProtocolError.auth('something else')))).toEqual({ field: '', message: 'something else' });
    expect(belongsTo('multicast.port', 'multicast')).toBe(true);
    expect(belongsTo('multicastx', 'multicast')).toBe(false);
  });

  it('recognises events the server does not know by name, not by text', () => {
    expect(isUnsupported(received(ProtocolError.named('unknownEvent', 'unknown event admin_live'), 'admin_live'))).toBe(true);
    expect(isUnsupported(received(ProtocolError.auth('unknown event x')))).toBe(false);
    expect(isUnsupported(new Error('unknown event x'))).toBe(false);
  });
});
