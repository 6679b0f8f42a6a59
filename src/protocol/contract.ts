// The client protocol as one typed contract: every request's parameter and reply, every push, and the envelopes
// around them (docs/openvocs-protocol.md, docs/protocol.md). The server validates with these schemas and every client
// is typed by them; docs/protocol.md "Event index" lists the same names (test/protocol/contract-docs.test.ts).
import { z } from 'zod';
import { errorNames, type ErrorName } from './errors.js';
import { adminEvents, adminMonitorEvents } from './events/admin.js';
import type { PushType } from './events/define.js';
import { loopEvents, loopPushes } from './events/loops.js';
import { mediaEvents, mediaPushes } from './events/media.js';
import { recorderEvents, recorderPushes } from './events/recorder.js';
import { sessionEvents } from './events/session.js';
import { systemEvents, systemPushes } from './events/system.js';
import { ldapAdminEvents, telephonyEvents, telephonyPushes } from './events/telephony.js';

export const requests = {
  ...sessionEvents,
  ...loopEvents,
  ...mediaEvents,
  ...systemEvents,
  ...adminEvents,
  ...adminMonitorEvents,
  ...recorderEvents,
  ...telephonyEvents,
  ...ldapAdminEvents,
};

export const pushes = {
  ...loopPushes,
  ...mediaPushes,
  ...systemPushes,
  ...recorderPushes,
  ...telephonyPushes,
};

export type RequestName = keyof typeof requests;
export type PushName = keyof typeof pushes;
/** What a caller passes as `parameter`. */
export type RequestParams<E extends RequestName> = z.input<(typeof requests)[E]['request']>;
/** The `parameter` after server-side validation. */
export type ParsedParams<E extends RequestName> = z.output<(typeof requests)[E]['request']>;
export type ResponseOf<E extends RequestName> = z.output<(typeof requests)[E]['response']>;
export type PushParams<E extends PushName> = z.output<(typeof pushes)[E]['parameter']>;
export type { PushType };

export const requestNames = Object.keys(requests) as RequestName[];
export const pushNames = Object.keys(pushes) as PushName[];

export function isRequestName(name: string): name is RequestName {
  return Object.hasOwn(requests, name);
}

export function isPushName(name: string): name is PushName {
  return Object.hasOwn(pushes, name);
}

// Envelopes (docs/openvocs-protocol.md §2).

/** What the server accepts as a request frame; `parameter` is checked per event afterwards. */
export const requestEnvelope = z.object({
  event: z.string().min(1).max(64),
  uuid: z.string().min(1).max(128),
  client: z.string().min(1).max(128).optional(),
  type: z.string().max(64).optional(),
  parameter: z.record(z.string(), z.unknown()).optional(),
});

export const wireError = z.object({
  code: z.number().int(),
  description: z.string(),
  name: z.enum(errorNames as [ErrorName, ...ErrorName[]]).optional(),
  field: z.array(z.union([z.string(), z.number()])).optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});

/** Replies echo event, uuid, client and the request, always `type:"unicast"` and a `response` object. */
export const replyEnvelope = z.object({
  event: z.string(),
  uuid: z.string(),
  client: z.string().optional(),
  type: z.literal('unicast'),
  request: z.record(z.string(), z.unknown()),
  // An object, except openvocs' get_recording (a bare array) and is_ldap_enabled (a bare boolean), openvocs-protocol.md
  // §10; each event's schema says which. Error replies keep `{}` (validate.ts).
  response: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown()), z.boolean()]),
  error: wireError.optional(),
});

/** Pushes carry a fresh uuid and never a top-level `client` (that is how clients tell them from replies). */
export const pushEnvelope = z.strictObject({
  event: z.string(),
  uuid: z.string(),
  type: z.enum(['unicast', 'loop_broadcast', 'user_broadcast', 'system_broadcast']),
  parameter: z.record(z.string(), z.unknown()),
});

export type RequestEnvelope = z.infer<typeof requestEnvelope>;
export type ReplyEnvelope = z.infer<typeof replyEnvelope>;
export type PushEnvelope = z.infer<typeof pushEnvelope>;
