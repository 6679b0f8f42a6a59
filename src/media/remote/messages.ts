// What signaling and a media host say to each other over the control plane (pure: schemas only).
// Signaling → media host: one command, `media`, whose `op` says what to do with which session.
// Media host → signaling: `media-events`, batches of session events, voice activity and stats.
// Everything received is parsed here first: a malformed or hostile payload is refused, never used.
import { z } from 'zod';
import type { LoopKey } from '../../directory/loop-key.js';
import type { LocalCandidate, MediaClientInfo, MediaLoop, MediaLoss, MediaStats, RemoteCandidate, VoiceActivity } from '../control.js';

/** The command a media host serves, and the one a signaling service serves for the events. */
export const MEDIA_COMMAND = 'media';
export const MEDIA_EVENTS_COMMAND = 'media-events';
/** `meta.role` of a media host's announcement (kind `edge`: edge and mixer in one process). */
export const MEDIA_HOST_ROLE = 'media-host';
/** The loss code (and `media_lost` reason) of a session whose media host or signaling link is gone. */
export const HOST_LOST = 'media-host-lost';

const token = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/);
const name = z.string().min(1).max(256);
const loopKeySchema = z
  .string()
  .min(5)
  .max(400)
  .regex(/^(domain|project)\/[^/]+\/[^/]+$/)
  .transform((key) => key as LoopKey);
const loopSchema = z.strictObject({
  key: loopKeySchema,
  multicast: z.strictObject({ host: z.string().max(64), port: z.number().int().min(1).max(65535) }).optional(),
});
const clientSchema = z.strictObject({ connectionId: name, user: name, role: name, client: name });
const candidateText = z.string().max(1024);
const remoteCandidateSchema = z.strictObject({
  candidate: candidateText,
  sdpMid: z.string().max(64).optional(),
  sdpMLineIndex: z.number().int().min(0).max(64).optional(),
  ufrag: z.string().max(256).optional(),
});
const localCandidateSchema = z.strictObject({
  candidate: candidateText,
  sdpMid: z.string().max(64),
  sdpMLineIndex: z.number().int().min(0).max(64),
  ufrag: z.string().max(256).optional(),
});
const sdp = z.string().min(1).max(65_536);

export const mediaCommandSchema = z.discriminatedUnion('op', [
  /** `owner`: the signaling service that gets this session's events. */
  z.strictObject({ op: z.literal('open'), session: token, owner: token, client: clientSchema }),
  z.strictObject({ op: z.literal('offer'), session: token }),
  z.strictObject({ op: z.literal('answer'), session: token, sdp }),
  z.strictObject({ op: z.literal('candidate'), session: token, candidate: remoteCandidateSchema }),
  z.strictObject({ op: z.literal('end-of-candidates'), session: token }),
  z.strictObject({ op: z.literal('set-loop'), session: token, loop: loopSchema, state: z.enum(['none', 'recv', 'send']), volume: z.number().int().min(0).max(100) }),
  z.strictObject({ op: z.literal('set-talking'), session: token, loop: loopSchema, talking: z.boolean() }),
  z.strictObject({ op: z.literal('close'), session: token }),
]);
export type MediaCommand = z.infer<typeof mediaCommandSchema>;

/** The answer of `offer`: the SDP; of `answer`/`candidate`: what the edge refused, if anything. */
export const offerResultSchema = z.strictObject({ sdp });
const refusedSchema = z.strictObject({ code: z.string().max(32), message: z.string().max(512) });
export const refusalResultSchema = z.strictObject({ refused: refusedSchema.optional() });
/** The answer of `open`: the session's uplink SSRC on the loop bus (names its talker in recordings), or a refusal. */
export const openResultSchema = z.strictObject({ ssrc: z.number().int().min(0).max(0xffff_ffff).optional(), refused: refusedSchema.optional() });

const statsSchema = z.strictObject({
  connected: z.boolean(),
  packetsIn: z.number().int().min(0),
  packetsOut: z.number().int().min(0),
  uplinkLoss: z.number().min(0).max(1),
  uplinkJitterMs: z.number().min(0),
});
const talkerSchema = z.strictObject({ user: name, role: name, client: name });

export const mediaEventSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ready'), session: token }),
  z.strictObject({ type: z.literal('candidate'), session: token, candidate: localCandidateSchema }),
  z.strictObject({ type: z.literal('closed'), session: token, loss: z.strictObject({ code: z.string().max(64), description: z.string().max(512) }) }),
  z.strictObject({ type: z.literal('talk-released'), session: token, loop: loopSchema }),
  z.strictObject({ type: z.literal('stats'), stats: z.record(token, statsSchema) }),
  z.strictObject({ type: z.literal('vad'), loop: loopSchema, on: z.boolean(), talkers: z.array(talkerSchema).max(256) }),
]);
export type MediaEvent = z.infer<typeof mediaEventSchema>;

export const mediaEventBatchSchema = z.strictObject({ host: token, events: z.array(mediaEventSchema).max(10_000) });
export type MediaEventBatch = z.infer<typeof mediaEventBatchSchema>;
/** Signaling's answer to a batch: sessions it does not know (the host closes them: nobody drives them). */
export const eventsReplySchema = z.strictObject({ unknown: z.array(token).max(10_000) });

// Compile-time checks that the wire shapes are the interface's shapes.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const wireMatches: [
  Same<z.infer<typeof loopSchema>, MediaLoop>,
  Same<z.infer<typeof clientSchema>, MediaClientInfo>,
  Same<z.infer<typeof remoteCandidateSchema>, RemoteCandidate>,
  Same<z.infer<typeof localCandidateSchema>, LocalCandidate>,
  Same<z.infer<typeof statsSchema>, MediaStats>,
  Same<Extract<MediaEvent, { type: 'closed' }>['loss'], MediaLoss>,
  Same<Omit<Extract<MediaEvent, { type: 'vad' }>, 'type'>, VoiceActivity>,
] = [true, true, true, true, true, true, true];
void wireMatches;
