// Test fixtures: Opus-encoded tone talkers and per-listener downlink capture.
import { FRAME_SAMPLES, OpusFrameDecoder, OpusFrameEncoder } from '../../src/media/opus.js';
import { tone } from '../../testkit/signal/index.js';
import type { PlayoutPacket } from '../../src/media/playout/index.js';
import { seqAdd, tsAdd } from '../../src/media/rtp/sequence.js';
import type { MixTick } from '../../src/media/mixer/index.js';

/** A talker sending a continuous tone as 20 ms Opus RTP packets. */
export class ToneTalker {
  private readonly enc = new OpusFrameEncoder({ bitrate: 64000 });
  private n = 0;
  constructor(
    readonly ssrc: number,
    private readonly frequency: number,
    private readonly dbfs: number,
  ) {}

  next(): PlayoutPacket {
    const pcm = tone({ frequency: this.frequency, dbfs: this.dbfs, samples: FRAME_SAMPLES, startSample: this.n * FRAME_SAMPLES });
    const pkt = { sequenceNumber: seqAdd(1000, this.n), timestamp: tsAdd(5000, this.n * FRAME_SAMPLES), ssrc: this.ssrc, payload: this.enc.encode(pcm) };
    this.n++;
    return pkt;
  }
}

/** Decodes each listener's downlink like a client would; silent ticks become zeros (DTX). */
export class Downlinks {
  private readonly decoders = new Map<string, OpusFrameDecoder>();
  readonly pcm = new Map<string, Int16Array[]>();
  readonly frames = new Map<string, number>();

  constructor(private readonly ids: readonly string[]) {
    for (const id of ids) {
      this.decoders.set(id, new OpusFrameDecoder());
      this.pcm.set(id, []);
      this.frames.set(id, 0);
    }
  }

  record(tick: MixTick): void {
    const heard = new Set<string>();
    for (const out of tick.outputs) {
      for (const id of out.listenerIds) {
        const dec = this.decoders.get(id);
        if (!dec) continue;
        heard.add(id);
        this.pcm.get(id)?.push(dec.decode(out.frame));
        this.frames.set(id, (this.frames.get(id) ?? 0) + 1);
      }
    }
    for (const id of this.ids) if (!heard.has(id)) this.pcm.get(id)?.push(new Int16Array(FRAME_SAMPLES));
  }

  /** The listener's audio from frame `from` on, as one signal. */
  signal(id: string, from = 0): Int16Array {
    const parts = (this.pcm.get(id) ?? []).slice(from);
    const out = new Int16Array(parts.length * FRAME_SAMPLES);
    parts.forEach((p, i) => out.set(p, i * FRAME_SAMPLES));
    return out;
  }
}
