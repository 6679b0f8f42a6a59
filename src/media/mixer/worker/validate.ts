// Checks of the messages between the plane and a mixer engine in a thread or a child process. The
// other side may be broken (a corrupted process, a bug): a message that does not match is dropped
// (and logged by the caller) instead of throwing somewhere in the plane's or the engine's tick.
import { z } from 'zod';
import type { FromWorker, ToWorker } from './messages.js';

const id = z.string().max(256);
const count = z.number().int().min(0);
const byteRange = { start: count, end: count };
const bytes = z.instanceof(ArrayBuffer);

const push = z.object({
  loop: id,
  ssrc: z.number().int().min(0).max(0xffffffff),
  sequenceNumber: z.number().int().min(0).max(0xffff),
  timestamp: z.number().int().min(0).max(0xffffffff),
  arrivalMs: z.number(),
  ...byteRange,
});

const toEngine: z.ZodType<ToWorker> = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('setListener'),
    id,
    ssrc: z.number().int().min(0).max(0xffffffff).optional(),
    volumes: z.record(id, z.number()),
  }),
  z.object({ type: z.literal('setVolume'), id, loop: id, volume: z.number().optional() }),
  z.object({ type: z.literal('removeListener'), id }),
  z.object({ type: z.literal('tick'), seq: count, tag: z.number(), nowMs: z.number(), pushes: z.array(push), bytes }),
]);

const counters = z.object({
  ticks: count,
  idleTicks: count,
  packets: count,
  copies: count,
  decodes: count,
  conceals: count,
  decodeErrors: count,
  encodes: count,
  primes: count,
  // Optional: an engine of the previous release does not send it (edge and mixer hosts upgrade one by one).
  independentFrames: count.default(0),
  sharedHits: count,
  silentListenerTicks: count,
  gated: count,
  tailFrames: count,
});

const fromEngine: z.ZodType<FromWorker> = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({
    type: z.literal('mixed'),
    seq: count,
    tag: z.number(),
    outputs: z.array(z.object({ kind: z.enum(['mix', 'tail']), listenerIds: z.array(id), talkers: z.array(z.number()), ...byteRange })),
    bytes,
    idle: z.boolean(),
    counters,
    busyMs: z.number().min(0),
  }),
]);

/** Ranges must lie inside the message's bytes: a subarray beyond would silently be shorter. */
function rangesFit(ranges: ReadonlyArray<{ start: number; end: number }>, size: number): boolean {
  return ranges.every((r) => r.start <= r.end && r.end <= size);
}

/** A message for the engine, or an explanation why it is not one. */
export function parseToEngine(msg: unknown): { ok: true; msg: ToWorker } | { ok: false; error: string } {
  const r = toEngine.safeParse(msg);
  if (!r.success) return { ok: false, error: z.prettifyError(r.error) };
  if (r.data.type === 'tick' && !rangesFit(r.data.pushes, r.data.bytes.byteLength)) return { ok: false, error: 'push outside the tick bytes' };
  return { ok: true, msg: r.data };
}

/** A message from the engine, or an explanation why it is not one. */
export function parseFromEngine(msg: unknown): { ok: true; msg: FromWorker } | { ok: false; error: string } {
  const r = fromEngine.safeParse(msg);
  if (!r.success) return { ok: false, error: z.prettifyError(r.error) };
  if (r.data.type === 'mixed' && !rangesFit(r.data.outputs, r.data.bytes.byteLength)) return { ok: false, error: 'output outside the reply bytes' };
  return { ok: true, msg: r.data };
}
