// Pure console logic: the permission matrix and the keyset layout editor.
import { describe, expect, it } from 'vitest';
import { DEFAULT_GRID, effectiveLayout, normaliseLayout, outsideGrid, pageCount, placeLoop, toWire, unplaceLoop } from '../../web/admin/src/logic/layout.js';
import { loopsOfRole, permissionForKey, permissionOf, stepPermission, withPermission } from '../../web/admin/src/logic/matrix.js';

describe('permission matrix', () => {
  const loop = { id: 'l1', roles: { flight: true, ground: false } };

  it('reads openvocs grants: true = talk, false = monitor, absent = none', () => {
    expect(permissionOf(loop, 'flight')).toBe('talk');
    expect(permissionOf(loop, 'ground')).toBe('monitor');
    expect(permissionOf(loop, 'other')).toBe('none');
    // Inherited keys are not grants.
    expect(permissionOf(loop, 'toString')).toBe('none');
  });

  it('writes one cell into a new roles object and leaves the input alone', () => {
    expect(withPermission(loop.roles, 'flight', 'monitor')).toEqual({ flight: false, ground: false });
    expect(withPermission(loop.roles, 'ground', 'none')).toEqual({ flight: true });
    expect(withPermission(loop.roles, 'x', 'talk')).toEqual({ flight: true, ground: false, x: true });
    expect(loop.roles).toEqual({ flight: true, ground: false });
  });

  it('steps with clamping and maps shortcut keys', () => {
    expect(stepPermission('none', -1)).toBe('none');
    expect(stepPermission('none', 1)).toBe('monitor');
    expect(stepPermission('talk', 1)).toBe('talk');
    expect([permissionForKey('N'), permissionForKey('m'), permissionForKey('t'), permissionForKey('x')]).toEqual(['none', 'monitor', 'talk', undefined]);
  });

  it("lists a role's loops like role_loops does", () => {
    expect(loopsOfRole([loop, { id: 'l2', roles: {} }], 'ground').map((e) => [e.loop.id, e.permission])).toEqual([['l1', 'monitor']]);
  });
});

describe('layout editor', () => {
  const at = (page: number, row: number, column: number) => ({ page, row, column });

  it('accepts single objects on the wire and normalises to arrays', () => {
    expect(normaliseLayout({ a: at(1, 1, 1), b: [at(1, 1, 2)], c: [] })).toEqual({ a: [at(1, 1, 1)], b: [at(1, 1, 2)] });
  });

  it('places from the palette: one key per loop, a displaced loop goes back to the palette', () => {
    let layout = placeLoop({}, 'a', at(1, 1, 1));
    layout = placeLoop(layout, 'a', at(1, 2, 2));
    expect(layout).toEqual({ a: [at(1, 2, 2)] });
    layout = placeLoop(layout, 'b', at(1, 2, 2));
    expect(layout).toEqual({ b: [at(1, 2, 2)] });
  });

  it('moves a dragged key and swaps with the key on the target', () => {
    const layout = { a: [at(1, 1, 1)], b: [at(2, 1, 1)] };
    expect(placeLoop(layout, 'a', at(2, 1, 1), at(1, 1, 1))).toEqual({ a: [at(2, 1, 1)], b: [at(1, 1, 1)] });
    expect(placeLoop(layout, 'a', at(1, 3, 3), at(1, 1, 1))).toEqual({ a: [at(1, 3, 3)], b: [at(2, 1, 1)] });
    // Dropping a key on itself changes nothing.
    expect(placeLoop(layout, 'a', at(1, 1, 1), at(1, 1, 1))).toBe(layout);
  });

  it('removes keys, counts pages and finds keys outside a shrunken grid', () => {
    const layout = { a: [at(1, 1, 1), at(3, 1, 1)], b: [at(1, 4, 4)] };
    expect(unplaceLoop(layout, 'a', at(3, 1, 1))).toEqual({ a: [at(1, 1, 1)], b: [at(1, 4, 4)] });
    expect(unplaceLoop(layout, 'b')).toEqual({ a: [at(1, 1, 1), at(3, 1, 1)] });
    expect(pageCount(layout)).toBe(3);
    expect(pageCount({}, 2)).toBe(2);
    expect(outsideGrid(layout, { columns: 3, rows: 3 })).toEqual(['b']);
    expect(toWire({ a: [], b: [at(1, 1, 1)] })).toEqual({ b: [at(1, 1, 1)] });
  });

  it('previews loops without a key where the server will put them (row-major, free cells)', () => {
    const { positions, generated } = effectiveLayout(['a', 'b', 'c'], { b: [at(1, 1, 1)] }, DEFAULT_GRID);
    expect(positions).toEqual({ b: [at(1, 1, 1)], a: [at(1, 1, 2)], c: [at(1, 1, 3)] });
    expect([...generated]).toEqual(['a', 'c']);
    const many = effectiveLayout(Array.from({ length: 17 }, (_, i) => `l${i}`), {}, DEFAULT_GRID);
    expect(many.positions.l16).toEqual([at(2, 1, 1)]);
  });
});
