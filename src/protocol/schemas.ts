// Server-side validation of request parameters with the contract's schemas. Failures become error 1008
// naming the field, e.g. `parameter loop: expected string` with `field:["loop"]`.
import type { z } from 'zod';
import { requests, type ParsedParams, type RequestName } from './contract.js';
import { ProtocolError } from './errors.js';

/** Validate `parameter` against any schema or throw 1008 naming the first offending field. */
export function parseParams<T extends z.ZodType>(schema: T, parameter: unknown): z.infer<T> {
  const result = schema.safeParse(parameter);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = (issue?.path ?? []).map((p) => (typeof p === 'number' ? p : String(p)));
  throw ProtocolError.parameter(path, issue?.message ?? 'invalid');
}

/** Validate the `parameter` of `event` with the contract's request schema. */
export function paramsOf<E extends RequestName>(event: E, parameter: unknown): ParsedParams<E> {
  return parseParams(requests[event].request, parameter) as ParsedParams<E>;
}
