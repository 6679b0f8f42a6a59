// How an event of the contract is written down: the request's `parameter` and the reply's `response`.
import type { z } from 'zod';

export interface EventDef<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  request: Req;
  response: Res;
}

export function event<Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res): EventDef<Req, Res> {
  return { request, response };
}

export type PushType = 'unicast' | 'loop_broadcast' | 'user_broadcast' | 'system_broadcast';

export interface PushDef<P extends z.ZodType = z.ZodType> {
  /** The envelope `type`s this push is sent with. */
  types: readonly PushType[];
  parameter: P;
}

export function pushOf<P extends z.ZodType>(types: readonly PushType[], parameter: P): PushDef<P> {
  return { types, parameter };
}
