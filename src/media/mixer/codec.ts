// Codec seams of the mixer, so tests and benchmarks can inject codecs; production uses Opus.
import { OpusFrameDecoder, OpusFrameEncoder, type OpusEncoderOptions } from '../opus.js';

export interface FrameEncoder {
  encode(pcm: Int16Array): Buffer;
  /** Forget history: the encoder is about to serve a different stream. */
  reset(): void;
  close(): void;
}

export interface FrameDecoder {
  decode(frame: Buffer): Int16Array;
  conceal(): Int16Array;
  close(): void;
}

export interface CodecFactory {
  createEncoder(): FrameEncoder;
  createDecoder(): FrameDecoder;
}

export function opusCodecs(opts: OpusEncoderOptions = {}): CodecFactory {
  return {
    createEncoder: () => new OpusFrameEncoder(opts),
    createDecoder: () => new OpusFrameDecoder(),
  };
}
