// Loop keys: one constructor and one reader, exact for every id the directory accepts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loopIdOf, loopKey, loopKeyParts } from '../../src/directory/loop-key.js';
import { idSchema } from '../../src/protocol/common.js';

const id = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => idSchema.safeParse(s).success);

describe('loop keys', () => {
  it('read back exactly the scope and loop they were built from', () => {
    fc.assert(
      fc.property(fc.constantFrom('domain' as const, 'project' as const), id, id, (kind, scopeId, loopId) => {
        const key = loopKey({ kind, id: scopeId }, loopId);
        expect(loopKeyParts(key)).toEqual({ scopeKind: kind, scopeId, loopId });
        expect(loopIdOf(key)).toBe(loopId);
      }),
      { seed: 20261130, numRuns: 500 },
    );
  });

  it('tell the same loop id in two scopes apart', () => {
    expect(loopKey({ kind: 'project', id: 'a@x' }, 'loop1')).not.toBe(loopKey({ kind: 'project', id: 'b@x' }, 'loop1'));
    expect(loopKey({ kind: 'domain', id: 'x' }, 'loop1')).not.toBe(loopKey({ kind: 'project', id: 'x' }, 'loop1'));
  });
});
