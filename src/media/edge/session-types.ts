// Types and constants of an edge session, shared by the session and the edge.
import type { LocalCandidate } from '../control.js';
import type { RtpPacket } from '../rtp.js';
import type { EdgeError } from './edge-error.js';
import type { RtcConfig } from '../webrtc-native.js';

export const AUDIO_MID = '0';
export const OPUS_PAYLOAD_TYPE = 100;
export const OPUS_FMTP = 'minptime=10;useinbandfec=1;usedtx=1';
// Candidates that arrive before the answer are kept; a browser sends a handful, never hundreds.
export const MAX_PENDING_CANDIDATES = 64;

export type EdgeSessionState = 'new' | 'offered' | 'answered' | 'connected' | 'failed' | 'closed';

export type EdgeSessionEvents = {
  localCandidate: [candidate: LocalCandidate];
  /** ICE and DTLS are up and the SRTP track is open: media flows both ways. */
  connected: [];
  /** One uplink RTP packet (Opus, PT 100) with the client's SSRC; `raw` is the decrypted packet. */
  rtp: [packet: RtpPacket, raw: Buffer];
  /** One decrypted RTCP compound packet from the client (receiver reports about our downlink). */
  rtcp: [packet: Buffer];
  failed: [error: EdgeError];
  close: [];
};

export interface EdgeSessionConfig {
  id: string;
  ssrc: number;
  rtcConfig: RtcConfig;
  announcedAddresses: readonly string[];
  connectTimeoutMs: number;
  disconnectTimeoutMs: number;
  gatherTimeoutMs: number;
}

export interface EdgeSessionStats {
  rtpIn: number;
  rtcpIn: number;
  bytesIn: number;
  droppedIn: number;
  rtpOut: number;
  bytesOut: number;
  droppedOut: number;
  remoteCandidates: number;
  mdnsCandidatesDropped: number;
}
