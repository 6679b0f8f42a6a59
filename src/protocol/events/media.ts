// The client's WebRTC session: offer/answer, trickled candidates, `media_ready` (docs/openvocs-protocol.md §4, §9).
import { z } from 'zod';
import { candidate, empty, jsonObject } from '../common.js';
import { event, pushOf } from './define.js';

export const mediaEvents = {
  media: event(
    z.discriminatedUnion('type', [z.object({ type: z.literal('request') }), z.object({ type: z.literal('answer'), sdp: z.string().min(1).max(32_768) })]),
    // The offer answers a request; an answer is acknowledged with {}.
    z.union([z.object({ type: z.literal('offer'), sdp: z.string().min(1) }), empty]),
  ),
  /** Echoed, with a numeric sdpMid when it is all digits (as the openvocs backend does). */
  candidate: event(candidate, candidate.extend({ sdpMid: z.union([z.string(), z.number()]).optional() })),
  end_of_candidates: event(jsonObject, empty),
};

export const mediaPushes = {
  media_ready: pushOf(['unicast'], empty),
  candidate: pushOf(['unicast'], z.object({ candidate: z.string(), sdpMid: z.string(), sdpMLineIndex: z.number().int().min(0), ufrag: z.string().optional() })),
  /** Loopcast extension: the media session ended by itself (`reason`: the edge's error code); request media again. */
  media_lost: pushOf(['unicast'], z.object({ reason: z.string().max(32), description: z.string().max(256) })),
};
