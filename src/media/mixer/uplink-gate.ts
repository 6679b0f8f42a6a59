// Uplink gate of one talker: comfort noise and DTX never start a talk spurt (docs/media.md "Talk spurts").
//
// A browser whose push-to-talk only mutes its track (enabled = false) keeps sending: encoded digital
// silence, then with DTX a comfort-noise frame every ~400 ms. Forwarded, each of those is a tiny talk
// spurt for every listener: their jitter buffers grow and the server clock never stops. So, while a
// talker is idle, a packet opens a spurt only if it carries audio: Opus packets of at most 2 bytes
// are DTX by definition (TOC only, RFC 6716 §3.1, no frame data) and are dropped unseen; others are
// decoded at once (the talker's decoder then stays in step with the stream) and open the spurt only
// if the decoded frame reaches `openDbfs`. While playing, `closeFrames` consecutive frames below it
// end the spurt, so encoded silence after a release does not extend it either. The decision uses
// the payload and its energy only, never the client's `talking` events.

export interface GateOptions {
  /** Decoded RMS level that counts as audio (default −70 dBFS: a muted track decodes far below). */
  openDbfs?: number;
  /** Consecutive frames below the level that end a playing spurt (default 5 = 100 ms). */
  closeFrames?: number;
}

/** True for an Opus packet with no audio in it (DTX: 0–2 bytes, the TOC byte and at most a count). */
export function isDtxPayload(payload: Uint8Array): boolean {
  return payload.length <= 2;
}

export class UplinkGate {
  readonly openDbfs: number;
  private readonly closeFrames: number;
  private quietRun = 0;

  constructor(opts: GateOptions = {}) {
    this.openDbfs = opts.openDbfs ?? -70;
    this.closeFrames = Math.max(1, opts.closeFrames ?? 5);
  }

  /** Whether a frame decoded while idle may open a spurt. */
  opens(dbfs: number): boolean {
    this.quietRun = 0;
    return dbfs >= this.openDbfs;
  }

  /** Feeds one played frame's level; true when the spurt should end (sustained silence). */
  closes(dbfs: number): boolean {
    this.quietRun = dbfs >= this.openDbfs ? 0 : this.quietRun + 1;
    if (this.quietRun < this.closeFrames) return false;
    this.quietRun = 0;
    return true;
  }
}
