// The error catalogue of the client protocol (docs/openvocs-protocol.md §3). The single place that knows codes and texts.

export const ErrorCode = {
  processing: 1000,
  parameter: 1008,
  sessionUnknown: 2002,
  auth: 5000,
  alreadyAuthenticated: 5002,
  permission: 5004,
  roleChange: 9999,
  noResources: 10010,
  timeout: 20001,
  /** Codes >= 50000 are temporary: the openvocs client retries. */
  rateLimited: 50000,
  overloaded: 50001,
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

const defaultDescriptions: Record<ErrorCodeValue, string> = {
  1000: 'server processing error',
  1008: 'parameter missing',
  2002: 'session unknown',
  5000: 'authentication or authorization failed',
  5002: 'already authenticated',
  5004: 'permission error',
  9999: 'changing a role MUST be done using logout/login',
  10010: 'no more resources',
  20001: 'run into timeout',
  50000: 'rate limit exceeded, retry later',
  50001: 'server overloaded, retry later',
};

/** An error that is answered to the client as `error:{code, description}`; never carries internals. */
export class ProtocolError extends Error {
  readonly code: ErrorCodeValue;

  constructor(code: ErrorCodeValue, description?: string) {
    super(description ?? defaultDescriptions[code]);
    this.name = 'ProtocolError';
    this.code = code;
  }

  get description(): string {
    return this.message;
  }

  static parameter(field: string, problem = 'missing or invalid'): ProtocolError {
    return new ProtocolError(ErrorCode.parameter, `parameter ${field}: ${problem}`);
  }

  static auth(description = defaultDescriptions[ErrorCode.auth]): ProtocolError {
    return new ProtocolError(ErrorCode.auth, description);
  }

  static permission(description = defaultDescriptions[ErrorCode.permission]): ProtocolError {
    return new ProtocolError(ErrorCode.permission, description);
  }
}

export function isTemporary(code: number): boolean {
  return code >= 50000;
}
