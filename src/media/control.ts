// The media-control interface: how signaling drives the media plane (edge + mixer) for one client.
// Signaling owns rights and state; the media plane only applies what it is told.
import type { LoopKey } from '../directory/loop-key.js';
import type { LoopState } from '../directory/permissions.js';
import type { LocalCandidate, RemoteCandidate } from '../protocol/candidates.js';

export interface LoopAddress {
  host: string;
  port: number;
}

/** A loop as the media plane sees it: a key unique across tenants and its bus address, if fixed. */
export interface MediaLoop {
  key: LoopKey;
  multicast?: LoopAddress;
}

export type { LocalCandidate, RemoteCandidate } from '../protocol/candidates.js';

/** Why a media session ended: the edge's error code (EdgeErrorCode) and a one-line description. */
export interface MediaLoss {
  code: string;
  description: string;
}

export interface MediaSessionEvents {
  /** ICE + DTLS are up and the listener's mix is ready: signaling pushes `media_ready`. */
  ready: () => void;
  candidate: (candidate: LocalCandidate) => void;
  /**
   * The session ended by itself (ICE/DTLS failure, timeout, a fault in its callbacks), never by
   * close(): signaling pushes `media_lost` and the client requests media again.
   */
  closed: (loss: MediaLoss) => void;
  /** The hot-mic guard ended talking on a loop (timeout); signaling broadcasts talking:false. */
  talkReleased: (loop: MediaLoop) => void;
}

/** What an operator's media looks like from the server (admin live view). */
export interface MediaStats {
  connected: boolean;
  packetsIn: number;
  packetsOut: number;
  /** Lost / expected packets of the client's uplink, 0..1 (while it talks). */
  uplinkLoss: number;
  uplinkJitterMs: number;
}

export interface MediaSession {
  /** The RTP SSRC this session's voice carries on the loop bus, once known (names it in recordings). */
  readonly ssrc?: number | undefined;
  /** The server's SDP offer. */
  offer(): Promise<string>;
  answer(sdp: string): Promise<void>;
  addCandidate(candidate: RemoteCandidate): void;
  endOfCandidates(): void;
  /** Apply a loop state and volume (0..100); `none` removes the loop from mix and uplink. */
  setLoop(loop: MediaLoop, state: LoopState, volume: number): void;
  setTalking(loop: MediaLoop, talking: boolean): void;
  on<E extends keyof MediaSessionEvents>(event: E, listener: MediaSessionEvents[E]): void;
  stats(): MediaStats;
  close(): void;
}

export interface MediaClientInfo {
  connectionId: string;
  user: string;
  role: string;
  client: string;
}

/** Voice activity on a loop, from the decoded talkers' energy; `talkers` are who is audible. */
export interface VoiceActivity {
  loop: MediaLoop;
  on: boolean;
  talkers: Array<Pick<MediaClientInfo, 'user' | 'role' | 'client'>>;
}

export interface MediaControl {
  /** Throws a ProtocolError (10010 when no mixer capacity is left). */
  openSession(client: MediaClientInfo): MediaSession;
  onVoiceActivity(listener: (activity: VoiceActivity) => void): void;
  close(): Promise<void>;
}
