// Public shapes of the mixer engine.
import type { PlayoutOptions } from '../playout/index.js';
import type { OpusEncoderOptions } from '../opus.js';
import type { CodecFactory } from './codec.js';
import type { GateOptions } from './uplink-gate.js';

export interface MixerOptions {
  playout?: PlayoutOptions;
  /** Opus settings for the downlink encoders (ignored when `codecs` is given). */
  encoder?: OpusEncoderOptions;
  codecs?: CodecFactory;
  /** Share one encoder among listeners with identical mixes (default true; false for benchmarks). */
  shareEncoders?: boolean;
  /** Decode talkers nobody hears (default false; a VAD-only engine sets true). */
  alwaysDecode?: boolean;
  /** A talker stays on a loop this many ticks after its last packet there (default 10 = 200 ms). */
  loopHoldTicks?: number;
  /** An idle talker's state is dropped after this many ticks without packets (default 1500 = 30 s). */
  talkerTimeoutTicks?: number;
  /** Uplink gate: what silence may not open or extend a talk spurt (see uplink-gate.ts). */
  gate?: GateOptions;
  /** Encoded silence frames sent after a listener's mix goes silent (default 5 = 100 ms; 0 = none). */
  tailFrames?: number;
  /**
   * Mixing phases per 20 ms frame (default 1): the engine is ticked every 20 / phases ms, a starting
   * talk spurt waits for the next tick of any phase instead of the next 20 ms tick (docs/media.md
   * "Mixing phases"). The media plane uses 4.
   */
  phases?: number;
}

export interface ListenerConfig {
  /** The listener's own uplink SSRC, never mixed into its downlink. */
  ssrc?: number;
  /** Monitored loops and their volume 0..100 (see volume.ts). */
  volumes?: Record<string, number>;
}

export interface MixOutput {
  /** 'mix' = audio; 'tail' = encoded silence after the listeners' mix went silent. */
  kind: 'mix' | 'tail';
  listenerIds: string[];
  frame: Buffer;
  /** Talkers (SSRCs) in this mix: the contributing talkers of every listener in listenerIds. */
  talkers: number[];
}

export interface TalkerLevel {
  ssrc: number;
  loops: string[];
  dbfs: number;
}

export interface MixTick {
  outputs: MixOutput[];
  /** Level of every talker decoded this tick (feeds VAD and talker indication). */
  levels: TalkerLevel[];
}

export interface MixerCounters {
  ticks: number;
  idleTicks: number;
  packets: number;
  copies: number;
  decodes: number;
  conceals: number;
  decodeErrors: number;
  encodes: number;
  primes: number;
  /** Frames coded without inter-frame prediction (a member's decoder had not heard the encoder's last frame). */
  independentFrames: number;
  sharedHits: number;
  silentListenerTicks: number;
  /** Uplink packets that opened no spurt (DTX, comfort noise, silence). */
  gated: number;
  /** Tail frames encoded (each shared by its group). */
  tailFrames: number;
}
