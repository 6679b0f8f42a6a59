// The console's telephony logic (web/admin/src/logic/telephony.ts): saving a number keeps the loop's
// call permissions and unknown keys, times convert to epoch seconds, bad numbers are named.
import { describe, expect, it } from 'vitest';
import { epochOfLocal, formatEpoch, isActive, loopSipOf, partyProblem, withNumber } from '../../web/admin/src/logic/telephony.js';

describe('loop telephony in the console', () => {
  const permission = { caller: '+4930', loop: 'loop1', valid_from: 100, valid_until: 200 };

  it('reads a loop sip object, and a malformed one as empty', () => {
    expect(loopSipOf({ id: 'loop1', roles: {}, sip: { number: '1001', whitelist: [permission] } })).toEqual({ number: '1001', whitelist: [permission] });
    expect(loopSipOf({ id: 'loop1', roles: {}, sip: { number: 42 } })).toEqual({});
    expect(loopSipOf(undefined)).toEqual({});
  });

  it('sets or clears the number and call-out roles, keeping permissions and unknown keys', () => {
    const sip = { number: '1001', callout: ['flight'], whitelist: [permission], extra: true };
    expect(withNumber(sip, ' 2002 ', ['ground'])).toEqual({ number: '2002', callout: ['ground'], whitelist: [permission], extra: true });
    expect(withNumber(sip, '', [])).toEqual({ whitelist: [permission], extra: true });
  });

  it('names bad numbers and converts times', () => {
    expect(partyProblem('+49 30')).toBeDefined();
    expect(partyProblem('1001@host')).toBeDefined();
    expect(partyProblem('+4930123')).toBeUndefined();
    expect(epochOfLocal('')).toBe(0);
    expect(epochOfLocal('2030-01-02T03:04')).toBe(Math.floor(new Date('2030-01-02T03:04').getTime() / 1000));
    expect(formatEpoch(0, 'open')).toBe('open');
    expect(formatEpoch(epochOfLocal('2030-01-02T03:04'), 'open')).toBe('2030-01-02 03:04');
    expect(isActive(permission, 150)).toBe(true);
    expect(isActive(permission, 201)).toBe(false);
    expect(isActive({ ...permission, valid_from: 0, valid_until: 0 }, 1)).toBe(true);
  });
});
