// The client's table of non-object replies agrees with the contract's schemas, event by event.
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { requests, type RequestName } from '../../src/protocol/contract.js';
import { replyKind, type ReplyKind } from '../../src/protocol/reply-kinds.js';

/** What the schema accepts as an empty value of each kind tells its kind (every response schema accepts one). */
function schemaKind(schema: z.ZodType): ReplyKind {
  if (schema.safeParse([]).success) return 'array';
  if (schema.safeParse(true).success || schema.safeParse(false).success) return 'boolean';
  return 'object';
}

describe('reply kinds', () => {
  it('match the response schema of every request of the contract', () => {
    const mismatches = (Object.keys(requests) as RequestName[])
      .map((event) => ({ event, table: replyKind(event), schema: schemaKind(requests[event].response) }))
      .filter((m) => m.table !== m.schema);
    expect(mismatches).toEqual([]);
    expect(replyKind('get_recording')).toBe('array');
    expect(replyKind('is_ldap_enabled')).toBe('boolean');
    expect(replyKind('toString')).toBe('object');
  });
});
