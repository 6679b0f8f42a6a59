// Opus at the telephone's own rate: libopus encodes straight from 8 kHz and decodes any Opus
// stream straight to 8 kHz (its internal resampler), so the gateway never resamples in
// JavaScript. The packets are ordinary Opus: the loop's 48 kHz decoders play them as they are.
import opus from '@discordjs/opus';
import { TELEPHONE_RATE } from './g711.js';

const { OpusEncoder: NativeOpus } = opus;
type NativeOpus = InstanceType<typeof NativeOpus>;

export const TELEPHONE_FRAME = 160; // 20 ms at 8 kHz

const OPUS_SET_APPLICATION = 4000;
const OPUS_SET_BITRATE = 4002;
const OPUS_SET_COMPLEXITY = 4010;
const OPUS_APPLICATION_VOIP = 2048;

function samplesOf(out: Buffer): Int16Array {
  const count = Math.min(out.length >> 1, TELEPHONE_FRAME);
  const pcm = new Int16Array(TELEPHONE_FRAME);
  for (let i = 0; i < count; i++) pcm[i] = out.readInt16LE(i * 2);
  return pcm;
}

export class NarrowbandEncoder {
  private readonly native: NativeOpus = new NativeOpus(TELEPHONE_RATE, 1);

  constructor() {
    this.native.applyEncoderCTL(OPUS_SET_APPLICATION, OPUS_APPLICATION_VOIP);
    // The telephone band needs no more; complexity 5 as in the mixer.
    this.native.applyEncoderCTL(OPUS_SET_BITRATE, 16000);
    this.native.applyEncoderCTL(OPUS_SET_COMPLEXITY, 5);
  }

  /** One 20 ms frame of 160 samples → one Opus packet. */
  encode(pcm: Int16Array): Buffer {
    if (pcm.length !== TELEPHONE_FRAME) throw new RangeError(`expected ${TELEPHONE_FRAME} samples, got ${pcm.length}`);
    return this.native.encode(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
  }
}

export class NarrowbandDecoder {
  private readonly native: NativeOpus = new NativeOpus(TELEPHONE_RATE, 1);

  /** One Opus packet (any bandwidth) → 20 ms at 8 kHz; longer packets are cut to 20 ms. */
  decode(packet: Buffer): Int16Array {
    return samplesOf(this.native.decode(packet));
  }
}
