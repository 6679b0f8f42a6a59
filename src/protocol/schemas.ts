// Parameter schemas of every client event (docs/openvocs-protocol.md §5, §7, §8). Validation failures become error
// 1008 naming the field, e.g. `parameter loop: expected string`.
import { z } from 'zod';
import { idSchema } from '../directory/schema.js';
import { ProtocolError } from './errors.js';

const loopState = z.enum(['none', 'recv', 'send']);
const jsonObject = z.record(z.string(), z.unknown());

export const loginParams = z.object({ user: idSchema, password: z.string().min(1).max(1024) });
export const updateLoginParams = z.object({ user: idSchema, session: z.string().min(1).max(128) });
export const authorizeParams = z.object({ role: idSchema });
export const getParams = z.object({
  type: z.enum(['user', 'domain', 'project', 'role', 'loop']),
  id: idSchema,
});
export const mediaParams = z.discriminatedUnion('type', [
  z.object({ type: z.literal('request') }),
  z.object({ type: z.literal('answer'), sdp: z.string().min(1).max(32_768) }),
]);
export const candidateParams = z.object({
  candidate: z.string().max(1024),
  sdpMid: z.string().max(64).optional(),
  sdpMLineIndex: z.number().int().min(0).max(64).optional(),
  ufrag: z.string().max(256).optional(),
});
export const switchLoopStateParams = z.object({ loop: idSchema, state: loopState });
export const switchLoopVolumeParams = z.object({ loop: idSchema, volume: z.number().min(0).max(100) });
export const talkingParams = z.object({ loop: idSchema, state: z.boolean() });
export const getKeysetLayoutParams = z.object({ domain: idSchema, layout: idSchema });
export const setKeysetLayoutParams = z.object({ domain: idSchema, name: idSchema, layout: jsonObject });
export const anyObject = jsonObject;

/** Validate `parameter` or throw 1008 naming the first offending field. */
export function parseParams<T extends z.ZodType>(schema: T, parameter: unknown): z.infer<T> {
  const result = schema.safeParse(parameter);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(parameter)';
  throw ProtocolError.parameter(field, issue?.message ?? 'invalid');
}
