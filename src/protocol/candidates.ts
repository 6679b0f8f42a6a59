// ICE candidates as the client protocol carries them (docs/openvocs-protocol.md §5 `candidate`).

/** A candidate received from the other side (client → server request, or server push). */
export interface RemoteCandidate {
  candidate: string;
  sdpMid?: string;
  sdpMLineIndex?: number;
  ufrag?: string;
}

/** A candidate of our own, ready to be sent as a `candidate` parameter. */
export interface LocalCandidate {
  candidate: string;
  sdpMid: string;
  sdpMLineIndex: number;
  ufrag?: string;
}
