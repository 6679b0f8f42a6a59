// What a request can fail with: an error reply (by code and symbolic name, never by description), a closed socket,
// or no reply in time.
import { defaultErrorName, isTemporary, type ErrorName, type FieldPath, type WireError } from '../errors.js';

export class RequestError extends Error {
  readonly code: number;
  /** From the server; derived from the code when the server sends none (the openvocs backend). */
  readonly errorName: ErrorName | undefined;
  readonly description: string;
  readonly field: FieldPath | undefined;
  readonly details: { [key: string]: unknown } | undefined;

  constructor(
    readonly event: string,
    error: WireError,
  ) {
    super(`${event}: ${error.code} ${error.description}`);
    this.name = 'RequestError';
    this.code = error.code;
    this.errorName = error.name ?? defaultErrorName(error.code);
    this.description = error.description;
    this.field = error.field;
    this.details = error.details;
  }

  /** `err.is('auth')`: the symbolic name, the way clients branch on errors. */
  is(name: ErrorName): boolean {
    return this.errorName === name;
  }

  /** Temporary (rate limit, overload): the same request may succeed later. */
  get temporary(): boolean {
    return isTemporary(this.code);
  }
}

export class ConnectionClosedError extends Error {
  constructor(message = 'connection closed') {
    super(message);
    this.name = 'ConnectionClosedError';
  }
}

export class RequestTimeoutError extends Error {
  constructor(
    readonly event: string,
    timeoutMs: number,
  ) {
    super(`${event}: no reply within ${timeoutMs} ms`);
    this.name = 'RequestTimeoutError';
  }
}

/** A success reply whose `response` is not of the kind the contract gives the event (src/protocol/reply-kinds.ts). */
export class UnexpectedReplyError extends Error {
  constructor(
    readonly event: string,
    readonly expected: string,
    received: string,
  ) {
    super(`${event}: the reply's response is ${received === 'nothing' ? 'missing' : `of kind ${received}`}, the contract says ${expected}`);
    this.name = 'UnexpectedReplyError';
  }
}
