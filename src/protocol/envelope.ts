// Envelope rules of docs/openvocs-protocol.md §2: replies echo uuid/client/request, pushes carry a fresh uuid.
// The message shapes themselves are in contract.ts; this file builds server messages.
import type { PushName, PushParams } from './contract.js';
import type { ProtocolError, WireError } from './errors.js';

export type JsonObject = { [key: string]: unknown };

export interface Request {
  event: string;
  uuid: string;
  client?: string;
  type?: string;
  parameter: JsonObject;
}

export type PushType = 'unicast' | 'loop_broadcast' | 'user_broadcast' | 'system_broadcast';

export interface Reply {
  event: string;
  uuid: string;
  client?: string;
  type: 'unicast';
  request: JsonObject;
  response: JsonObject;
  error?: WireError;
}

export interface Push {
  event: string;
  uuid: string;
  type: PushType;
  parameter: JsonObject;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function reply(request: Request, response: JsonObject): Reply {
  const out: Reply = { event: request.event, uuid: request.uuid, type: 'unicast', request: { ...request }, response };
  if (request.client !== undefined) out.client = request.client;
  return out;
}

/** `response` stays an object in errors: the openvocs client reads its fields unguarded. */
export function errorReply(request: Request, error: ProtocolError): Reply {
  return { ...reply(request, {}), error: error.toWire() };
}

/** Media pushes must not carry a top-level `client` (docs/openvocs-protocol.md §2); no push does. Typed by the contract. */
export function push<E extends PushName>(event: E, type: PushType, parameter: PushParams<E>): Push {
  return { event, uuid: globalThis.crypto.randomUUID(), type, parameter };
}
