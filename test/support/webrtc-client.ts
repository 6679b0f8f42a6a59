// Moved to bench/lib (the load tool's operators are built on it); re-exported so tests keep their
// imports.
export { WebRtcClient, WebRtcTestClient } from '../../bench/lib/webrtc-client.js';
export type { LocalCandidate, PcmSource, RemoteCandidate, WebRtcTestClientEvents, WebRtcTestClientOptions } from '../../bench/lib/webrtc-client.js';
