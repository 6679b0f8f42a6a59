// The recorder: openvocs' recorder events (docs/openvocs-protocol.md §10) with authorization, and the
// Loopcast extensions for instant replay, history, retention, legal hold, erasure and export
// (docs/protocol.md "Recording", docs/recording.md).
import { z } from 'zod';
import { empty, idSchema, jsonObject, scopeKind } from '../common.js';
import { event, pushOf } from './define.js';

const epochSeconds = z.number().min(0).max(1e11);
const loopParam = z.object({ loop: idSchema });
/** The scope to act on (default: the one signed in to); the caller must administer it. */
const scopeParam = z.object({ type: scopeKind, id: idSchema }).optional();

/** A row of get_recording: strings, as openvocs' player reads them; `uri` relative to `<origin>/audio/`, times `YYYY-MM-DD HH:MM:SS` UTC. */
export const recordingRow = z.object({ id: z.string(), uri: z.string(), loop: z.string(), starttime: z.string(), endtime: z.string() });

/** A talk record as the history view sees it. */
export const talkRow = z.object({
  id: z.number().int(),
  loop: z.string(),
  user: z.string(),
  role: z.string(),
  start: z.number(),
  end: z.number(),
  uri: z.string(),
  pseudonymised: z.boolean(),
});

export const holdRow = z.object({ id: z.number().int(), loop: z.string().nullable(), from: z.number(), to: z.number(), reason: z.string(), by: z.string() });

export const recorderEvents = {
  /** openvocs answers with a bare array of rows (at most 50; more is error 1000). */
  get_recording: event(z.object({ loop: idSchema, user: idSchema.optional(), from: epochSeconds, to: epochSeconds }), z.array(recordingRow)),
  record_start: event(loopParam, empty),
  record_stop: event(loopParam, empty),
  get_recorded_loops: event(jsonObject, z.object({ result: z.array(z.object({ loop: z.string() })) })),
  /** Loopcast: the last `seconds` (default: the last talk spurt, at most 30 s) into the caller's downlink. */
  replay: event(z.object({ loop: idSchema, seconds: z.number().min(1).max(30).optional() }), z.object({ loop: z.string(), from: z.number(), duration_ms: z.number() })),
  replay_stop: event(jsonObject, z.object({ stopped: z.boolean() })),
  /** Loopcast history: talk records of several loops in a time range (epoch ms), with playable URIs. */
  recording_search: event(
    z.object({ loops: z.array(idSchema).min(1).max(64), user: idSchema.optional(), from: z.number().min(0), to: z.number().min(0), limit: z.number().int().min(1).max(1000).optional() }),
    z.object({ talks: z.array(talkRow), more: z.boolean() }),
  ),
  /** Loopcast history: a signed link to the mix of several loops over a range (epoch ms; opus ≤ 1 h, wav ≤ 10 min). */
  recording_mix: event(
    z.object({ loops: z.array(idSchema).min(1).max(64), from: z.number().int().min(0), to: z.number().int().min(0), format: z.enum(['opus', 'wav']).optional() }),
    z.object({ uri: z.string(), duration_ms: z.number() }),
  ),
  /** Admin of the scope (`scope`, default the signed-in one): retention and legal holds. */
  recording_settings: event(
    z.object({ scope: scopeParam, retention_days: z.number().positive().max(36_500).optional() }),
    z.object({ retention_days: z.number(), holds: z.array(holdRow), recorded: z.array(z.string()) }),
  ),
  recording_hold: event(z.object({ scope: scopeParam, loop: idSchema.optional(), from: z.number().min(0), to: z.number().min(0), reason: z.string().min(1).max(500) }), z.object({ id: z.number().int() })),
  recording_hold_release: event(z.object({ scope: scopeParam, id: z.number().int().min(1) }), z.object({ released: z.boolean() })),
  /** Admin: erase one user's voice and records (pseudonymised where a hold applies). */
  recording_erase_user: event(z.object({ user: idSchema }), z.object({ erased: z.number().int(), pseudonymised: z.number().int(), pending: z.number().int() })),
  /** Admin: everything recorded of one user, audio as base64 Ogg Opus. */
  recording_export_user: event(
    z.object({ user: idSchema }),
    z.object({ user: z.string(), exportedAt: z.string(), records: z.array(z.object({ id: z.number(), loop: z.string(), role: z.string(), start: z.string(), end: z.string(), oggOpusBase64: z.string() })) }),
  ),
};

export const recorderPushes = {
  /** A replay of the caller ended (played out, replaced, or stopped). */
  replay_end: pushOf(['unicast'], z.object({ loop: z.string() })),
};
