// G.711 µ-law (PCMU, payload type 0) and A-law (PCMA, 8) per ITU-T G.711: decode tables of 256
// entries, encoders by segment search. 8 kHz, one byte per sample.

export type G711Law = 'pcmu' | 'pcma';

const MULAW_BIAS = 0x84;
const MULAW_CLIP = 32635;

export function encodeMulawSample(pcm: number): number {
  let sample = pcm;
  const sign = sample < 0 ? 0x80 : 0;
  if (sign) sample = -sample;
  if (sample > MULAW_CLIP) sample = MULAW_CLIP;
  sample += MULAW_BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (sample & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (sample >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

export function decodeMulawSample(byte: number): number {
  const u = ~byte & 0xff;
  const exponent = (u >> 4) & 0x07;
  const magnitude = ((((u & 0x0f) << 3) + MULAW_BIAS) << exponent) - MULAW_BIAS;
  return u & 0x80 && magnitude !== 0 ? -magnitude : magnitude;
}

export function encodeAlawSample(pcm: number): number {
  let sample = pcm >> 3; // A-law works on 13-bit magnitudes
  let sign = 0x80;
  if (sample < 0) {
    sign = 0;
    sample = -sample - 1;
  }
  if (sample > 0xfff) sample = 0xfff;
  let out: number;
  if (sample < 32) out = sample >> 1;
  else {
    let segment = 1;
    while (sample >= 64 << (segment - 1) && segment < 7) segment++;
    out = (segment << 4) | ((sample >> segment) & 0x0f);
  }
  return (out | sign) ^ 0x55;
}

export function decodeAlawSample(byte: number): number {
  const a = byte ^ 0x55;
  const segment = (a >> 4) & 0x07;
  const mantissa = a & 0x0f;
  const magnitude = segment === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (segment - 1);
  return a & 0x80 ? magnitude : -magnitude;
}

const MULAW_TABLE = Int16Array.from({ length: 256 }, (_, b) => decodeMulawSample(b));
const ALAW_TABLE = Int16Array.from({ length: 256 }, (_, b) => decodeAlawSample(b));

export function decodeG711(law: G711Law, payload: Uint8Array, out = new Int16Array(payload.length)): Int16Array {
  const table = law === 'pcmu' ? MULAW_TABLE : ALAW_TABLE;
  for (let i = 0; i < payload.length; i++) out[i] = table[payload[i] as number] as number;
  return out;
}

export function encodeG711(law: G711Law, pcm: Int16Array, out = Buffer.alloc(pcm.length)): Buffer {
  const encode = law === 'pcmu' ? encodeMulawSample : encodeAlawSample;
  for (let i = 0; i < pcm.length; i++) out[i] = encode(pcm[i] as number);
  return out;
}

/** G.711 is sampled at 8 kHz. */
export const TELEPHONE_RATE = 8000;

/** RTP payload type of each law (RFC 3551 static assignments). */
export const G711_PAYLOAD_TYPE: Record<G711Law, number> = { pcmu: 0, pcma: 8 };
