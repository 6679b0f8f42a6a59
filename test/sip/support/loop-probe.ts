// Loop-bus participants for gateway tests: a listener that decodes what each talker sends into
// the loop, and a talker that sends a tone as Opus (the same RTP a Loopcast operator's uplink is).
import type { LoopBus, LoopHandle } from '../../../src/media/loopbus/index.js';
import { tone } from '../../../src/media/audio/index.js';
import { FRAME_SAMPLES, OpusFrameDecoder, OpusFrameEncoder } from '../../../src/media/opus.js';
import { serializeRtp } from '../../../src/media/rtp.js';

export class LoopListener {
  readonly handle: LoopHandle;
  private readonly decoders = new Map<number, OpusFrameDecoder>();
  readonly pcm = new Map<number, Int16Array[]>();

  constructor(bus: LoopBus, loop: string) {
    this.handle = bus.join(loop);
    this.handle.on('packet', (_buf, rtp) => {
      let decoder = this.decoders.get(rtp.ssrc);
      if (!decoder) {
        decoder = new OpusFrameDecoder();
        this.decoders.set(rtp.ssrc, decoder);
        this.pcm.set(rtp.ssrc, []);
      }
      this.pcm.get(rtp.ssrc)?.push(decoder.decode(Buffer.from(rtp.payload)));
    });
  }

  frames(ssrc: number): number {
    return this.pcm.get(ssrc)?.length ?? 0;
  }

  /** All decoded audio of one talker, skipping its first `skipFrames` frames (codec start-up). */
  audio(ssrc: number, skipFrames = 5): Int16Array {
    const frames = (this.pcm.get(ssrc) ?? []).slice(skipFrames);
    const out = new Int16Array(frames.length * FRAME_SAMPLES);
    frames.forEach((f, i) => out.set(f, i * FRAME_SAMPLES));
    return out;
  }

  talkers(): number[] {
    return [...this.pcm.keys()];
  }

  close(): void {
    this.handle.leave();
  }
}

export class LoopTalker {
  private readonly handle: LoopHandle;
  private readonly encoder = new OpusFrameEncoder();
  private readonly timer: NodeJS.Timeout;
  private index = 0;

  constructor(bus: LoopBus, loop: string, frequency: number, readonly ssrc = 0x10203040) {
    this.handle = bus.join(loop);
    this.timer = setInterval(() => {
      const pcm = tone({ frequency, dbfs: -10, samples: FRAME_SAMPLES, startSample: this.index * FRAME_SAMPLES });
      const payload = this.encoder.encode(pcm);
      this.handle.send(serializeRtp({ payloadType: 100, sequenceNumber: this.index & 0xffff, timestamp: this.index * FRAME_SAMPLES, ssrc: this.ssrc, marker: this.index === 0, payload }));
      this.index++;
    }, 20);
  }

  stop(): void {
    clearInterval(this.timer);
    this.handle.leave();
  }
}
