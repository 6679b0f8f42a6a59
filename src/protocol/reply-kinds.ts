// What a successful reply's `response` is, by the contract: an object, except the openvocs events answered with
// a bare array or a bare boolean (docs/openvocs-protocol.md §10). A plain table, so the protocol client keeps
// zod out of its bundles; the type below derives the table's keys and kinds from the contract, so a new
// non-object event that is missing here, or a wrong kind, does not compile (test/protocol/reply-kinds.test.ts
// checks the same against the schemas at run time).
import type { RequestName, ResponseOf } from './contract.js';

export type ReplyKind = 'object' | 'array' | 'boolean';

type KindOf<T> = T extends readonly unknown[] ? 'array' : T extends boolean ? 'boolean' : 'object';

/** Exactly the events whose response is not an object, each with its kind. */
export type NonObjectReplies = { [E in RequestName as KindOf<ResponseOf<E>> extends 'object' ? never : E]: KindOf<ResponseOf<E>> };

const NON_OBJECT_REPLIES: NonObjectReplies = { get_recording: 'array', is_ldap_enabled: 'boolean' };

/** The kind of `response` the contract gives `event` (unknown events: object, the envelope's default). */
export function replyKind(event: string): ReplyKind {
  return Object.hasOwn(NON_OBJECT_REPLIES, event) ? NON_OBJECT_REPLIES[event as keyof NonObjectReplies] : 'object';
}

export function kindOfValue(value: unknown): ReplyKind | undefined {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'boolean';
  return typeof value === 'object' && value !== null ? 'object' : undefined;
}
