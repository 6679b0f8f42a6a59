// Telephony shapes shared by the protocol contract and the directory (a loop's `sip` settings):
// who may be called or call in, and openvocs' time-bounded call permissions (openvocs-protocol.md §10).
import { z } from 'zod';
import { idSchema } from './common.js';

/** A number or SIP user name: what a phone dials or presents. Never a host (no open relay). */
export const sipPartySchema = z.string().regex(/^[A-Za-z0-9+*#._~-]{1,64}$/, 'must be a number or user name: 1–64 of A-Z a-z 0-9 + * # . _ ~ -');

/** Epoch seconds; 0 (or absent) = unbounded, as in openvocs. */
const epochSeconds = z.number().int().min(0).max(253_402_300_799).default(0);

/**
 * openvocs' call permission: `caller` may call into `loop`, or operators on `loop` may call `callee`,
 * between `valid_from` and `valid_until`. At least one of caller and callee.
 */
export const callPermissionSchema = z
  .object({
    caller: sipPartySchema.optional(),
    callee: sipPartySchema.optional(),
    loop: idSchema,
    valid_from: epochSeconds,
    valid_until: epochSeconds,
  })
  .refine((p) => p.caller !== undefined || p.callee !== undefined, { message: 'name a caller or a callee', path: ['caller'] })
  .refine((p) => p.valid_until === 0 || p.valid_until > p.valid_from, { message: 'must be after valid_from', path: ['valid_until'] });

export type CallPermission = z.output<typeof callPermissionSchema>;

/** A loop's telephony settings in the directory (`loops.<id>.sip`); unknown keys pass through. */
export const loopSipSchema = z.looseObject({
  /** What phones dial to reach the loop; unique across the directory. */
  number: sipPartySchema.optional(),
  /** Roles that may call any destination out of the loop. */
  callout: z.array(idSchema).max(256).optional(),
  /** openvocs' name for the loop's call permissions (permit_call / revoke_call). */
  whitelist: z.array(callPermissionSchema).max(1000).optional(),
});

export type LoopSip = z.output<typeof loopSipSchema>;

/** openvocs' equality: times of 0 in `query` match any time (revoke without times). */
export function permissionMatches(stored: CallPermission, query: CallPermission): boolean {
  return (
    stored.loop === query.loop &&
    stored.caller === query.caller &&
    stored.callee === query.callee &&
    (query.valid_from === 0 || stored.valid_from === query.valid_from) &&
    (query.valid_until === 0 || stored.valid_until === query.valid_until)
  );
}

/** In force at `nowSeconds` (bounds inclusive; 0 = unbounded). */
export function permissionActive(p: CallPermission, nowSeconds: number): boolean {
  return (p.valid_from === 0 || nowSeconds >= p.valid_from) && (p.valid_until === 0 || nowSeconds <= p.valid_until);
}
