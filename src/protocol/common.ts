// Shapes shared by many events of the contract (docs/openvocs-protocol.md §5–§7). Objects that carry directory data
// are loose: unknown keys are the directory's business and pass through.
import { z } from 'zod';
import { isReservedKey, RESERVED_KEY_MESSAGE } from './reserved.js';

/** Ids become file names (domains, projects): no separators, no dot-only names, no control chars. */
export const idSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'at most 128 characters')
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  .regex(/^[^/\\\u0000-\u001f\u007f]+$/, 'must not contain slashes or control characters')
  // Dot-names are hidden folders: openvocs (and Loopcast) skip them on load.
  .refine((id) => !id.startsWith('.'), 'must not start with "."')
  // Any other string is a valid id; see reserved.ts for why this one is not.
  .refine((id) => !isReservedKey(id), RESERVED_KEY_MESSAGE);

export const jsonObject = z.record(z.string(), z.unknown());
/** `{}` and nothing else: replies that acknowledge only. */
export const empty = z.strictObject({});

export const loopState = z.enum(['none', 'recv', 'send']);
export const loopPermission = z.enum(['send', 'recv']);
export const entityKind = z.enum(['domain', 'project', 'user', 'role', 'loop']);
export const scopeKind = z.enum(['domain', 'project']);

export const layoutPositionSchema = z.looseObject({
  page: z.number().int().min(0),
  row: z.number().int().min(0),
  column: z.number().int().min(0),
});

/** role.layout: loop id → positions (a loop may sit on several keys; a single object is accepted). */
export const roleLayoutSchema = z.record(z.string(), z.union([z.array(layoutPositionSchema), layoutPositionSchema]));

/** A socket in a loop, as participant lists, `talking` and `vad` name it. */
export const participant = z.object({ client: z.string(), user: z.string(), role: z.string() });

/** The fields every loop broadcast names: who did it. */
export const actor = { user: z.string(), role: z.string(), client: z.string() };

export const candidate = z.object({
  candidate: z.string().max(1024),
  sdpMid: z.string().max(64).optional(),
  sdpMLineIndex: z.number().int().min(0).max(64).optional(),
  ufrag: z.string().max(256).optional(),
});

export type LoopState = z.infer<typeof loopState>;
export type LoopPermission = z.infer<typeof loopPermission>;
export type EntityKind = z.infer<typeof entityKind>;
export type LayoutPosition = z.infer<typeof layoutPositionSchema>;
export type Participant = z.infer<typeof participant>;
export type JsonObject = { [key: string]: unknown };
