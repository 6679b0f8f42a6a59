// The edge's single error class; `code` says what went wrong so callers can map it to protocol errors.

export type EdgeErrorCode =
  | 'closed' // the session or edge is closed
  | 'bad-state' // call not valid in the current state (e.g. answer before offer)
  | 'bad-sdp' // the remote description was rejected by the WebRTC stack
  | 'ice-failed' // ICE (or DTLS) failed or the connection was lost
  | 'timeout' // not connected in time
  | 'native'; // unexpected error from the WebRTC stack

export class EdgeError extends Error {
  override readonly name = 'EdgeError';

  constructor(
    readonly code: EdgeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
