import { describe, expect, it } from 'vitest';
import { layoutPositions } from '../../src/directory/layout.js';
import { clampState, loopPermission, mayEnterState } from '../../src/directory/permissions.js';

describe('layout positions', () => {
  it('generates a row-major grid with pages when the role has no layout', () => {
    const ids = Array.from({ length: 18 }, (_, i) => `l${i}`);
    const positions = layoutPositions(ids, undefined, { columns: 4, rows: 4 });
    expect(positions.get('l0')).toEqual([{ page: 1, row: 1, column: 1 }]);
    expect(positions.get('l5')).toEqual([{ page: 1, row: 2, column: 2 }]);
    expect(positions.get('l16')).toEqual([{ page: 2, row: 1, column: 1 }]);
  });

  it('keeps stored positions and places the rest in free cells', () => {
    const positions = layoutPositions(['a', 'b', 'c'], { a: [{ page: 1, row: 1, column: 1 }], b: { page: 1, row: 1, column: 2 } });
    expect(positions.get('a')).toEqual([{ page: 1, row: 1, column: 1 }]);
    expect(positions.get('b')).toEqual([{ page: 1, row: 1, column: 2 }]);
    expect(positions.get('c')).toEqual([{ page: 1, row: 1, column: 3 }]);
  });
});

describe('permission rules', () => {
  const loop = { id: 'l', roles: { talker: true, listener: false } };
  it('maps loop.roles to send / recv / none', () => {
    expect(loopPermission(loop, 'talker')).toBe('send');
    expect(loopPermission(loop, 'listener')).toBe('recv');
    expect(loopPermission(loop, 'stranger')).toBe('none');
    expect(loopPermission(loop, 'constructor')).toBe('none');
  });

  it('allows none always, recv with any access, send only with send', () => {
    expect(mayEnterState('none', 'none')).toBe(true);
    expect(mayEnterState('recv', 'recv')).toBe(true);
    expect(mayEnterState('recv', 'send')).toBe(false);
    expect(mayEnterState('none', 'recv')).toBe(false);
    expect(mayEnterState('send', 'send')).toBe(true);
  });

  it('degrades talk to monitor, then off, when rights shrink', () => {
    expect(clampState('recv', 'send')).toBe('recv');
    expect(clampState('none', 'send')).toBe('none');
    expect(clampState('send', 'send')).toBe('send');
  });
});
