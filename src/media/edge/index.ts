export { WebRtcEdge } from './webrtc-edge.js';
export type { WebRtcEdgeOptions, WebRtcEdgeEvents } from './webrtc-edge.js';
export { EdgeSession } from './edge-session.js';
export { AUDIO_MID, OPUS_FMTP, OPUS_PAYLOAD_TYPE } from './session-types.js';
export type { EdgeSessionEvents, EdgeSessionState, EdgeSessionStats } from './session-types.js';
export { EdgeError } from './edge-error.js';
export type { EdgeErrorCode } from './edge-error.js';
export { isMdnsCandidate, parseCandidate, announceCandidate, rewriteSdpCandidates } from './candidates.js';
