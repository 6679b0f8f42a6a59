// Opus codec wrapper over @discordjs/opus (libopus 1.3.1): mono, 48 kHz, 20 ms frames.
//
// Measured facts about the binding (see test/media/opus.test.ts):
// - decode(null) does not work: it throws TypeError "Provided input needs to be a buffer".
// - decode(Buffer.alloc(0)) runs libopus PLC for the binding's whole output buffer: 5760 samples
//   (120 ms), advancing the decoder's loss state by six frames. There is no 20 ms PLC call and no
//   FEC decode (decode_fec is hard-wired to 0).
import opus from '@discordjs/opus';

const { OpusEncoder: NativeOpus } = opus;
type NativeOpus = InstanceType<typeof NativeOpus>;

export const SAMPLE_RATE = 48000;
export const FRAME_SAMPLES = 960;
export const FRAME_MS = 20;
/** RTP timestamp increment per frame (48 kHz clock). */
export const FRAME_TS = FRAME_SAMPLES;

// libopus CTL request numbers (opus_defines.h).
const OPUS_SET_APPLICATION = 4000;
const OPUS_SET_BITRATE = 4002;
const OPUS_SET_COMPLEXITY = 4010;
const OPUS_SET_INBAND_FEC = 4012;
const OPUS_SET_PACKET_LOSS_PERC = 4014;
const OPUS_SET_DTX = 4016;
const OPUS_RESET_STATE = 4028;
const OPUS_SET_PREDICTION_DISABLED = 4042;
const OPUS_APPLICATION_VOIP = 2048;
const OPUS_APPLICATION_AUDIO = 2049;
const OPUS_APPLICATION_RESTRICTED_LOWDELAY = 2051;

export interface OpusEncoderOptions {
  /** bits per second; default 32000 (wideband voice with headroom for music-on-hold). */
  bitrate?: number;
  /** 0..10; default 5 (measured ~7000 encodes/s per core). */
  complexity?: number;
  /** Opus DTX; default false (the mixer already sends nothing for silent mixes). */
  dtx?: boolean;
  /** In-band FEC; default false (the binding cannot decode it anyway). */
  fec?: boolean;
  /**
   * 'voip' favours speech intelligibility, 'audio' fidelity; default 'audio'. 'lowdelay' is CELT only
   * with 2.5 ms of look-ahead instead of 6.5 ms: 4 ms less latency on every hop it encodes.
   */
  application?: 'voip' | 'audio' | 'lowdelay';
}

/** Views PCM samples as a Buffer without copying (the native encoder reads s16le). */
function pcmBuffer(pcm: Int16Array): Buffer {
  return Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
}

/** Views decoded s16le bytes as samples, copying only if the bytes are misaligned. */
function samplesOf(buf: Buffer, count: number): Int16Array {
  if (buf.byteOffset % 2 === 0) return new Int16Array(buf.buffer, buf.byteOffset, count);
  const out = new Int16Array(count);
  for (let i = 0; i < count; i++) out[i] = buf.readInt16LE(i * 2);
  return out;
}

export class OpusFrameEncoder {
  private native: NativeOpus | undefined;

  constructor(opts: OpusEncoderOptions = {}) {
    const native = new NativeOpus(SAMPLE_RATE, 1);
    // The application can only be chosen before the first frame is encoded.
    native.applyEncoderCTL(
      OPUS_SET_APPLICATION,
      opts.application === 'voip' ? OPUS_APPLICATION_VOIP : opts.application === 'lowdelay' ? OPUS_APPLICATION_RESTRICTED_LOWDELAY : OPUS_APPLICATION_AUDIO,
    );
    native.applyEncoderCTL(OPUS_SET_BITRATE, opts.bitrate ?? 32000);
    native.applyEncoderCTL(OPUS_SET_COMPLEXITY, opts.complexity ?? 5);
    native.applyEncoderCTL(OPUS_SET_DTX, opts.dtx ? 1 : 0);
    native.applyEncoderCTL(OPUS_SET_INBAND_FEC, opts.fec ? 1 : 0);
    if (opts.fec) native.applyEncoderCTL(OPUS_SET_PACKET_LOSS_PERC, 5);
    this.native = native;
  }

  /**
   * Encodes exactly one 20 ms frame (960 samples); returns one Opus packet. `independent` codes it
   * without inter-frame prediction (CELT intra energies, no pitch pre-filter): a decoder that did not
   * hear this encoder's previous frames decodes it right. Predicted from another stream's history, a
   * tone onset read up to 35 dB low at 300–425 Hz (test/media/encoder-switch.test.ts).
   */
  encode(pcm: Int16Array, independent = false): Buffer {
    if (!this.native) throw new Error('OpusFrameEncoder is closed');
    if (pcm.length !== FRAME_SAMPLES) throw new RangeError(`expected ${FRAME_SAMPLES} samples, got ${pcm.length}`);
    if (!independent) return this.native.encode(pcmBuffer(pcm));
    this.native.applyEncoderCTL(OPUS_SET_PREDICTION_DISABLED, 1);
    try {
      return this.native.encode(pcmBuffer(pcm));
    } finally {
      this.native.applyEncoderCTL(OPUS_SET_PREDICTION_DISABLED, 0);
    }
  }

  /** Forgets all history, as if freshly created (keeps the settings). Used when an encoder is reused. */
  reset(): void {
    this.native?.applyEncoderCTL(OPUS_RESET_STATE, 0);
  }

  close(): void {
    // The native object frees libopus state on garbage collection; dropping the reference is all we can do.
    this.native = undefined;
  }
}

export class OpusFrameDecoder {
  private native: NativeOpus | undefined = new NativeOpus(SAMPLE_RATE, 1);
  private static readonly EMPTY = Buffer.alloc(0);
  /** The rest of the last 120 ms concealment block, served to further consecutive losses. */
  private plc: Int16Array | undefined;
  private plcOffset = 0;

  /**
   * Decodes one Opus packet to 960 samples. Packets of other durations are cut or zero-padded to
   * 960 so the mixer always sees one 20 ms frame. Throws on corrupted data (the caller conceals).
   */
  decode(frame: Buffer): Int16Array {
    this.plc = undefined;
    const out = this.nativeDecoder().decode(frame);
    const samples = out.length >> 1;
    if (samples === FRAME_SAMPLES) return samplesOf(out, FRAME_SAMPLES);
    const fixed = new Int16Array(FRAME_SAMPLES);
    fixed.set(samplesOf(out, Math.min(samples, FRAME_SAMPLES)));
    return fixed;
  }

  /**
   * 20 ms of packet-loss concealment. The binding only offers 120 ms of PLC at once (empty input):
   * libopus's real continuation of the last frame (pitch-periodic extension, fading). The first
   * loss takes the block's first 960 samples and keeps the rest, so consecutive losses continue the
   * same block seamlessly (asking libopus again would restart from a state 120 ms into the loss,
   * much quieter). A faded repeat of the last frame was the alternative; it buzzes at 50 Hz.
   */
  conceal(): Int16Array {
    if (!this.plc || this.plcOffset + FRAME_SAMPLES > this.plc.length) {
      const out = this.nativeDecoder().decode(OpusFrameDecoder.EMPTY);
      this.plc = samplesOf(out, out.length >> 1);
      this.plcOffset = 0;
      if (this.plc.length < FRAME_SAMPLES) {
        const padded = new Int16Array(FRAME_SAMPLES);
        padded.set(this.plc);
        this.plc = padded;
      }
    }
    const frame = this.plc.slice(this.plcOffset, this.plcOffset + FRAME_SAMPLES);
    this.plcOffset += FRAME_SAMPLES;
    return frame;
  }

  close(): void {
    this.native = undefined;
  }

  private nativeDecoder(): NativeOpus {
    if (!this.native) throw new Error('OpusFrameDecoder is closed');
    return this.native;
  }
}
