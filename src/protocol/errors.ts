// The error catalogue of the client protocol (docs/openvocs-protocol.md §3, docs/protocol.md "Errors") as data:
// every error has a code (what openvocs clients read), a symbolic name, and may name the offending
// field and carry structured details, so that no client ever parses a description.
// Plain data and one class: the browser clients import this file, so it imports nothing.

/** Several names may share a code: the name tells clients *which* 1008 or 5000 it is. */
export const errorCatalogue = {
  processing: { code: 1000, description: 'server processing error' },
  /** A durable write failed (read-only or full disk): nothing was changed (docs/operations.md "Files"). */
  storageFailed: { code: 1000, description: 'the change could not be stored; nothing was changed' },
  parameter: { code: 1008, description: 'parameter missing' },
  unknownEvent: { code: 1008, description: 'unknown event' },
  invalidChange: { code: 1008, description: 'invalid change' },
  sessionUnknown: { code: 2002, description: 'session unknown' },
  auth: { code: 5000, description: 'authentication or authorization failed' },
  loginThrottled: { code: 5000, description: 'too many failed logins, retry later' },
  alreadyAuthenticated: { code: 5002, description: 'already authenticated' },
  permission: { code: 5004, description: 'permission error' },
  roleChange: { code: 9999, description: 'changing a role MUST be done using logout/login' },
  noResources: { code: 10010, description: 'no more resources' },
  /** Loopcast per-user caps (docs/operations.md "Limits"): not temporary, the user must free one first. */
  userSocketLimit: { code: 10011, description: 'too many sockets of this user' },
  userMediaLimit: { code: 10012, description: 'too many media sessions of this user' },
  timeout: { code: 20001, description: 'run into timeout' },
  /** Codes >= 50000 are temporary: the openvocs client retries. */
  rateLimited: { code: 50000, description: 'rate limit exceeded, retry later' },
  overloaded: { code: 50001, description: 'server overloaded, retry later' },
} as const satisfies Record<string, { code: number; description: string }>;

export type ErrorName = keyof typeof errorCatalogue;
export type ErrorCodeValue = (typeof errorCatalogue)[ErrorName]['code'];

export const errorNames = Object.keys(errorCatalogue) as ErrorName[];

/** name → code, e.g. `ErrorCode.permission === 5004`. */
export const ErrorCode = Object.fromEntries(errorNames.map((name) => [name, errorCatalogue[name].code])) as {
  readonly [K in ErrorName]: (typeof errorCatalogue)[K]['code'];
};

/** The first name of a code is its generic meaning (e.g. 1008 → `parameter`). */
export function defaultErrorName(code: number): ErrorName | undefined {
  return errorNames.find((name) => errorCatalogue[name].code === code);
}

/** Path of the offending field: inside `parameter` for `parameter` errors, inside the scope's directory data for `invalidChange`. */
export type FieldPath = (string | number)[];

/** The `error` object of a reply. `name`, `field` and `details` are Loopcast additions; openvocs clients read code and description. */
export interface WireError {
  code: number;
  description: string;
  name?: ErrorName;
  field?: FieldPath;
  details?: { [key: string]: unknown };
}

export interface ErrorExtras {
  name?: ErrorName;
  field?: FieldPath;
  details?: { [key: string]: unknown };
}

/** An error that is answered to the client as `error:{code, description, name, field?, details?}`; never carries internals. */
export class ProtocolError extends Error {
  readonly code: ErrorCodeValue;
  readonly errorName: ErrorName;
  readonly field: FieldPath | undefined;
  readonly details: { [key: string]: unknown } | undefined;

  constructor(code: ErrorCodeValue, description?: string, extras: ErrorExtras = {}) {
    const name = extras.name ?? defaultErrorName(code) ?? 'processing';
    super(description ?? errorCatalogue[name].description);
    this.name = 'ProtocolError';
    this.code = code;
    this.errorName = name;
    this.field = extras.field;
    this.details = extras.details;
  }

  /** By symbolic name: `ProtocolError.named('loginThrottled', text, { details })`. */
  static named(name: ErrorName, description?: string, extras: Omit<ErrorExtras, 'name'> = {}): ProtocolError {
    return new ProtocolError(errorCatalogue[name].code, description, { ...extras, name });
  }

  get description(): string {
    return this.message;
  }

  toWire(): WireError {
    const wire: WireError = { code: this.code, description: this.description, name: this.errorName };
    if (this.field !== undefined) wire.field = this.field;
    if (this.details !== undefined) wire.details = this.details;
    return wire;
  }

  /** `field` is a dotted path (`data.id`) or a path array. */
  static parameter(field: string | FieldPath, problem = 'missing or invalid'): ProtocolError {
    const path = typeof field === 'string' ? (field === '(parameter)' ? [] : field.split('.')) : field;
    const shown = typeof field === 'string' ? field : path.length > 0 ? path.join('.') : '(parameter)';
    return ProtocolError.named('parameter', `parameter ${shown}: ${problem}`, { field: path, details: { problem } });
  }

  static auth(description: string = errorCatalogue.auth.description): ProtocolError {
    return ProtocolError.named('auth', description);
  }

  static permission(description: string = errorCatalogue.permission.description): ProtocolError {
    return ProtocolError.named('permission', description);
  }
}

export function isTemporary(code: number): boolean {
  return code >= ErrorCode.rateLimited;
}
