// What the recorder needs to know about an Opus packet without decoding it (RFC 6716 §3.1).

/** Samples at 48 kHz per frame for each TOC configuration 0..31. */
const FRAME_SAMPLES_BY_CONFIG = [
  480, 960, 1920, 2880, 480, 960, 1920, 2880, 480, 960, 1920, 2880, // SILK NB/MB/WB 10/20/40/60 ms
  480, 960, 480, 960, // hybrid SWB/FB 10/20 ms
  120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960, // CELT 2.5/5/10/20 ms
];

/** Duration of a packet in 48 kHz samples, or undefined if it is not a valid Opus packet. */
export function opusPacketSamples(packet: Uint8Array): number | undefined {
  if (packet.length < 1) return undefined;
  const toc = packet[0] as number;
  const perFrame = FRAME_SAMPLES_BY_CONFIG[toc >> 3] as number;
  const code = toc & 0x03;
  let frames: number;
  if (code === 0) frames = 1;
  else if (code === 1 || code === 2) frames = 2;
  else {
    if (packet.length < 2) return undefined;
    frames = (packet[1] as number) & 0x3f;
    if (frames === 0) return undefined;
  }
  const samples = frames * perFrame;
  // At most 120 ms per packet.
  return samples > 5760 ? undefined : samples;
}

/**
 * 20 ms of silence, mono, CELT fullband (TOC 0xF8 + an all-silence CELT frame). Fills short gaps
 * (loss, DTX) inside a talk spurt so that file time stays wall-clock time, without encoding anything.
 */
export const OPUS_SILENCE_20MS: Buffer = Buffer.from([0xf8, 0xff, 0xfe]);
