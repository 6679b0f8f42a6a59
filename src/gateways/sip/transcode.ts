// The two audio directions without I/O: a caller's G.711 → Opus for the loop (voice-operated: only
// speech is sent), and the loop's remote talkers → one 8 kHz mix, decoded once per loop.
import { rmsDbfs } from '../../media/audio/index.js';
import { decodeG711, type G711Law } from './g711.js';
import { NarrowbandDecoder, NarrowbandEncoder, TELEPHONE_FRAME } from './narrowband-opus.js';

export { TELEPHONE_FRAME };

export interface VoiceGateOptions {
  /** Frames at or above this level open the gate (dBFS RMS). */
  thresholdDbfs: number;
  /** The gate stays open this many frames after the last loud one (no clipped word ends). */
  hangoverFrames: number;
}

export const DEFAULT_VOICE_GATE: VoiceGateOptions = { thresholdDbfs: -45, hangoverFrames: 25 };

export interface UplinkFrame {
  /** The caller's 20 ms at 8 kHz (a copy), for the other calls of this gateway on the loop. */
  pcm8k: Int16Array;
  /** The same 20 ms as Opus for the loop bus. */
  opus: Buffer;
}

/** Telephone → loop. `push` returns the caller's frame while the voice gate is open, else undefined. */
export class TelephoneUplink {
  private readonly encoder = new NarrowbandEncoder();
  private openFor = 0;
  /** Talking state as the loop sees it (for activity broadcasts). */
  talking = false;

  constructor(
    private readonly law: G711Law,
    private readonly gate: VoiceGateOptions = DEFAULT_VOICE_GATE,
  ) {}

  /** In DTMF talk mode the keys decide, not the voice level (undefined: voice-operated). */
  keyed: boolean | undefined;

  push(payload: Buffer): UplinkFrame | undefined {
    // Phones send 20 ms; other packet times are refused rather than stretched.
    if (payload.length !== TELEPHONE_FRAME) return undefined;
    const pcm8k = decodeG711(this.law, payload);
    if (rmsDbfs(pcm8k) >= this.gate.thresholdDbfs) this.openFor = this.gate.hangoverFrames;
    else if (this.openFor > 0) this.openFor--;
    this.talking = this.keyed ?? this.openFor > 0;
    if (!this.talking) return undefined;
    return { pcm8k, opus: this.encoder.encode(pcm8k) };
  }
}

interface Talker {
  decoder: NarrowbandDecoder;
  queue: Buffer[];
  idleTicks: number;
}

const MAX_QUEUED = 4;
const FORGET_AFTER_TICKS = 100;

/**
 * The loop's talkers heard through the bus (everyone but this gateway's own calls), decoded once
 * per loop and tick, summed and brought to 8 kHz. Shared by all calls of the gateway on the loop.
 */
export class RemoteMix {
  private readonly talkers = new Map<number, Talker>();
  private readonly mix = new Int32Array(TELEPHONE_FRAME);

  /** One Opus packet of a talker on the loop (the bus never echoes the gateway's own packets). */
  receive(ssrc: number, opus: Buffer): void {
    let talker = this.talkers.get(ssrc);
    if (!talker) {
      talker = { decoder: new NarrowbandDecoder(), queue: [], idleTicks: 0 };
      this.talkers.set(ssrc, talker);
    }
    talker.queue.push(Buffer.from(opus));
    // A late burst must not grow the delay: drop the oldest.
    if (talker.queue.length > MAX_QUEUED) talker.queue.shift();
  }

  /** The next 20 ms of remote talkers at 8 kHz; undefined when nobody remote talks. */
  tick(): Int16Array | undefined {
    if (this.talkers.size === 0) return undefined;
    this.mix.fill(0);
    for (const [ssrc, talker] of this.talkers) {
      const frame = talker.queue.shift();
      if (frame === undefined) {
        if (++talker.idleTicks > FORGET_AFTER_TICKS) this.talkers.delete(ssrc);
        continue;
      }
      talker.idleTicks = 0;
      let pcm: Int16Array;
      try {
        pcm = talker.decoder.decode(frame);
      } catch {
        continue; // a corrupt packet is a lost 20 ms for this talker only
      }
      for (let i = 0; i < TELEPHONE_FRAME; i++) this.mix[i] = (this.mix[i] as number) + (pcm[i] as number);
    }
    const out = new Int16Array(TELEPHONE_FRAME);
    for (let i = 0; i < TELEPHONE_FRAME; i++) {
      const v = this.mix[i] as number;
      out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
    return out;
  }

  close(): void {
    this.talkers.clear();
  }
}
