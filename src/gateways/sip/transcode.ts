// The two audio directions of one call, without I/O: telephone G.711 → Opus frames for the loop
// (voice-operated: only speech is sent), and the loop's talkers → one G.711 mix for the phone.
import { rmsDbfs } from '../../media/audio/index.js';
import { FRAME_SAMPLES, OpusFrameDecoder, OpusFrameEncoder } from '../../media/opus.js';
import { decodeG711, encodeG711, type G711Law } from './g711.js';
import { Downsampler, Upsampler } from './resample.js';

export const TELEPHONE_FRAME = 160; // 20 ms at 8 kHz

export interface VoiceGateOptions {
  /** Frames at or above this level open the gate (dBFS RMS). */
  thresholdDbfs: number;
  /** The gate stays open this many frames after the last loud one (no clipped word ends). */
  hangoverFrames: number;
}

export const DEFAULT_VOICE_GATE: VoiceGateOptions = { thresholdDbfs: -45, hangoverFrames: 25 };

/** Telephone → loop. `push` returns the Opus frame to send into the loop, or undefined in silence. */
export class TelephoneUplink {
  private readonly up = new Upsampler();
  private readonly encoder = new OpusFrameEncoder({ application: 'voip' });
  private readonly pcm8k = new Int16Array(TELEPHONE_FRAME);
  private openFor = 0;
  /** Talking state as the loop sees it (for activity broadcasts). */
  talking = false;

  constructor(
    private readonly law: G711Law,
    private readonly gate: VoiceGateOptions = DEFAULT_VOICE_GATE,
  ) {}

  push(payload: Buffer): Buffer | undefined {
    // Phones send 20 ms; other packet times are refused rather than stretched.
    if (payload.length !== TELEPHONE_FRAME) return undefined;
    decodeG711(this.law, payload, this.pcm8k);
    if (rmsDbfs(this.pcm8k) >= this.gate.thresholdDbfs) this.openFor = this.gate.hangoverFrames;
    else if (this.openFor > 0) this.openFor--;
    const pcm48k = this.up.process(this.pcm8k);
    this.talking = this.openFor > 0;
    // The resampler and encoder still see silence so speech starts without a click.
    const frame = this.encoder.encode(pcm48k);
    return this.talking ? frame : undefined;
  }
}

interface Talker {
  decoder: OpusFrameDecoder;
  queue: Buffer[];
  idleTicks: number;
}

const MAX_QUEUED = 4;
const FORGET_AFTER_TICKS = 100;

/** Loop → telephone: one decoder per talker, one frame each per tick, summed and limited. */
export class LoopDownlink {
  private readonly talkers = new Map<number, Talker>();
  private readonly down = new Downsampler();
  private readonly mix = new Int32Array(FRAME_SAMPLES);
  private readonly mix16 = new Int16Array(FRAME_SAMPLES);

  constructor(private readonly law: G711Law) {}

  /** One Opus packet of a talker on the loop (never this call's own: the bus does not echo). */
  receive(ssrc: number, opus: Buffer): void {
    let talker = this.talkers.get(ssrc);
    if (!talker) {
      talker = { decoder: new OpusFrameDecoder(), queue: [], idleTicks: 0 };
      this.talkers.set(ssrc, talker);
    }
    talker.queue.push(Buffer.from(opus));
    // A late burst must not grow the delay: drop the oldest.
    if (talker.queue.length > MAX_QUEUED) talker.queue.shift();
  }

  /** The phone's next 20 ms as G.711 (silence when nobody talks). */
  tick(): Buffer {
    this.mix.fill(0);
    for (const [ssrc, talker] of this.talkers) {
      const frame = talker.queue.shift();
      if (frame === undefined) {
        if (++talker.idleTicks > FORGET_AFTER_TICKS) {
          talker.decoder.close();
          this.talkers.delete(ssrc);
        }
        continue;
      }
      talker.idleTicks = 0;
      let pcm: Int16Array;
      try {
        pcm = talker.decoder.decode(frame);
      } catch {
        pcm = talker.decoder.conceal();
      }
      for (let i = 0; i < FRAME_SAMPLES; i++) this.mix[i] = (this.mix[i] as number) + (pcm[i] as number);
    }
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      const v = this.mix[i] as number;
      this.mix16[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
    return encodeG711(this.law, this.down.process(this.mix16));
  }

  close(): void {
    for (const talker of this.talkers.values()) talker.decoder.close();
    this.talkers.clear();
  }
}
