// The edge's single error class; `code` says what went wrong so callers can map it to protocol errors.

export const EDGE_ERROR_CODES = [
  'closed', // the session or edge is closed
  'bad-state', // call not valid in the current state (e.g. answer before offer)
  'bad-sdp', // the answer failed the edge's checks or was rejected by the WebRTC stack
  'bad-candidate', // a remote candidate failed the edge's checks
  'ice-failed', // ICE (or DTLS) failed or the connection was lost
  'timeout', // not connected in time
  'transport-closed', // DTLS ended under a connected session (a peer's alert or close_notify)
  'native', // unexpected error from the WebRTC stack
] as const;

export type EdgeErrorCode = (typeof EDGE_ERROR_CODES)[number];

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
