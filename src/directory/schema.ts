// Shapes of the openvocs directory files. Loose objects: unknown keys survive a load/save round trip.
import { z } from 'zod';
import { idSchema, layoutPositionSchema, roleLayoutSchema } from '../protocol/common.js';
import { loopSipSchema } from '../protocol/sip-shapes.js';

// Ids and layouts are shapes of the protocol too: one definition, in the contract.
export { idSchema, layoutPositionSchema, roleLayoutSchema };

export const passwordSchema = z.looseObject({
  hash: z.string(),
  salt: z.string(),
  scheme: z.literal('scrypt').optional(),
  N: z.number().int().positive().optional(),
  r: z.number().int().positive().optional(),
  p: z.number().int().positive().optional(),
});

export const userSchema = z.looseObject({
  id: idSchema,
  name: z.string().optional(),
  password: passwordSchema.optional(),
});

export const roleSchema = z.looseObject({
  id: idSchema,
  name: z.string().optional(),
  abbreviation: z.string().optional(),
  color: z.string().optional(),
  users: z.record(z.string(), z.null()).default({}),
  layout: roleLayoutSchema.optional(),
});

export const multicastSchema = z.looseObject({
  host: z.string(),
  port: z.number().int().min(1).max(65535),
});

export const loopSchema = z.looseObject({
  id: idSchema,
  name: z.string().optional(),
  abbreviation: z.string().optional(),
  multicast: multicastSchema.optional(),
  roles: z.record(z.string(), z.boolean()).default({}),
  /** openvocs: the loop is recorded (docs/recording.md). */
  recorded: z.boolean().optional(),
  /** Telephony: the loop's number, call-out roles and call permissions (docs/telephony.md). */
  sip: loopSipSchema.optional(),
});

const containerShape = {
  id: idSchema,
  name: z.string().optional(),
  users: z.record(z.string(), userSchema).default({}),
  roles: z.record(z.string(), roleSchema).default({}),
  loops: z.record(z.string(), loopSchema).default({}),
};

/** Keyset layouts (get/set_keyset_layout) live in the domain file under `layout.<name>`, as in openvocs. */
export const domainFileSchema = z.looseObject({
  ...containerShape,
  layout: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
});
export const projectFileSchema = z.looseObject({ ...containerShape, domain: idSchema });

export type UserRecord = z.infer<typeof userSchema>;
export type RoleRecord = z.infer<typeof roleSchema>;
export type LoopRecord = z.infer<typeof loopSchema>;
export type LayoutPosition = z.infer<typeof layoutPositionSchema>;
export type RoleLayout = z.infer<typeof roleLayoutSchema>;
export type DomainFile = z.infer<typeof domainFileSchema>;
export type ProjectFile = z.infer<typeof projectFileSchema>;

/** Render a zod issue path as a JSON path: `$.users["alice"].password.hash`. */
export function jsonPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((acc, key) => {
    if (typeof key === 'number') return `${acc}[${key}]`;
    const name = String(key);
    return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `${acc}.${name}` : `${acc}[${JSON.stringify(name)}]`;
  }, '$');
}
