// Envelope of docs/openvocs-protocol.md §2: requests carry uuid + client; replies echo them and carry `request`;
// pushes (broadcasts, media) have no `request`.
import { isJsonObject, type JsonObject } from './types.js';

export interface RequestMessage {
  event: string;
  uuid: string;
  client: string;
  type: 'unicast';
  parameter: JsonObject;
}

export interface ReplyMessage {
  kind: 'reply';
  event: string;
  uuid: string;
  response: JsonObject;
  error?: { code: number; description: string };
}

export interface PushMessage {
  kind: 'push';
  event: string;
  type: string;
  parameter: JsonObject;
}

export function makeRequest(event: string, client: string, parameter: JsonObject, uuid: string): RequestMessage {
  return { event, uuid, client, type: 'unicast', parameter };
}

/** Parses one text frame; undefined for anything that is not a protocol message. */
export function parseIncoming(text: string): ReplyMessage | PushMessage | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isJsonObject(data) || typeof data.event !== 'string') return undefined;
  if (isJsonObject(data.request) && typeof data.uuid === 'string') {
    const reply: ReplyMessage = { kind: 'reply', event: data.event, uuid: data.uuid, response: isJsonObject(data.response) ? data.response : {} };
    const error = data.error;
    if (isJsonObject(error) && typeof error.code === 'number') {
      reply.error = { code: error.code, description: typeof error.description === 'string' ? error.description : `error ${error.code}` };
    }
    return reply;
  }
  return { kind: 'push', event: data.event, type: typeof data.type === 'string' ? data.type : 'unicast', parameter: isJsonObject(data.parameter) ? data.parameter : {} };
}

/** A reply with `error`; codes >= 50000 are temporary (retry), 5000 means the credentials are bad. */
export class ProtocolRequestError extends Error {
  constructor(
    readonly event: string,
    readonly code: number,
    readonly description: string,
  ) {
    super(`${event}: ${code} ${description}`);
    this.name = 'ProtocolRequestError';
  }

  get temporary(): boolean {
    return this.code >= 50000;
  }
}
