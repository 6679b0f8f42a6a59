// Loops: listing, switching, volume, push-to-talk, and the pushes they cause (docs/openvocs-protocol.md §5, §6).
import { z } from 'zod';
import { actor, idSchema, jsonObject, layoutPositionSchema, loopPermission, loopState, participant } from '../common.js';
import { event, pushOf } from './define.js';

export const roleLoop = z.looseObject({
  id: z.string(),
  name: z.string(),
  abbreviation: z.string().optional(),
  type: z.literal('audio'),
  permission: loopPermission,
  state: loopState,
  volume: z.number().min(0).max(100),
  layout_position: z.array(layoutPositionSchema),
});

const switchLoopState = z.object({ loop: idSchema, state: loopState });

/** Display names next to the ids (Loopcast extension `loop_participants`). */
export const namedParticipant = participant.extend({ user_name: z.string(), role_name: z.string() });

export const loopEvents = {
  role_loops: event(jsonObject, z.object({ loops: z.record(z.string(), roleLoop) })),
  switch_loop_state: event(switchLoopState, z.object({ loop: z.string(), state: loopState, participants: z.array(participant) })),
  switch_loop_volume: event(z.object({ loop: idSchema, volume: z.number().min(0).max(100) }), z.object({ loop: z.string(), volume: z.number().int().min(0).max(100) })),
  talking: event(z.object({ loop: idSchema, state: z.boolean() }), z.object({ loop: z.string(), state: z.boolean(), user: z.string(), role: z.string() })),
  /** Loopcast extension: who is on a loop, with display names (the keyset's talker names and participant list). */
  loop_participants: event(z.object({ loop: idSchema }), z.object({ loop: z.string(), participants: z.array(namedParticipant) })),
};

export const loopPushes = {
  switch_loop_state: pushOf(['loop_broadcast', 'user_broadcast'], z.object({ loop: z.string(), state: loopState, ...actor, participants: z.array(participant) })),
  switch_loop_volume: pushOf(['user_broadcast'], z.object({ loop: z.string(), volume: z.number().int().min(0).max(100), ...actor })),
  talking: pushOf(['loop_broadcast'], z.object({ loop: z.string(), state: z.boolean(), ...actor })),
  /** Voice activity on a loop (docs/protocol.md "Media"); `talkers` is a Loopcast addition. */
  vad: pushOf(['loop_broadcast'], z.object({ loop: z.string(), on: z.boolean(), talkers: z.array(participant).optional() })),
  /**
   * Loopcast extension: the server moved this socket's loop by itself (`permission` reduced by an admin, loop
   * `removed`). Sent to the socket concerned only, before the user broadcast of the same switch.
   */
  loop_state_forced: pushOf(['unicast'], z.object({ loop: z.string(), state: loopState, reason: z.enum(['permission', 'removed']) })),
  /** Loopcast extension: the role's loops changed (admin); the same `loops` as a fresh `role_loops` reply. */
  role_loops_changed: pushOf(['unicast'], z.object({ loops: z.record(z.string(), roleLoop) })),
  /** Loopcast extension: the server ends this socket's session (user or role removed, scope removed); it closes next. */
  session_ended: pushOf(['unicast'], z.object({ reason: z.enum(['user_removed', 'role_removed', 'scope_removed']) })),
};
