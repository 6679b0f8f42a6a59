// Loop-bus participants for gateway tests: a listener that decodes what each talker sends into
// the loop, and a talker that sends a tone as Opus (the same RTP a Loopcast operator's uplink is).
import type { LoopBus, LoopHandle } from '../../../src/media/loopbus/index.js';
import { tone } from '../../../testkit/signal/index.js';
import { FRAME_SAMPLES, OpusFrameDecoder, OpusFrameEncoder } from '../../../src/media/opus.js';
import { serializeRtp } from '../../../src/media/rtp.js';
import { seqAdd, tsAdd } from '../../../src/media/rtp/sequence.js';

export class LoopListener {
  readonly handle: LoopHandle;
  /** Opus packets per talker, decoded only when asked (so CPU measurements see the gateway alone). */
  private readonly packets = new Map<number, Buffer[]>();

  constructor(bus: LoopBus, loop: string) {
    this.handle = bus.join(loop);
    this.handle.on('packet', (_buf, rtp) => {
      let list = this.packets.get(rtp.ssrc);
      if (!list) {
        list = [];
        this.packets.set(rtp.ssrc, list);
      }
      list.push(Buffer.from(rtp.payload));
    });
  }

  frames(ssrc: number): number {
    return this.packets.get(ssrc)?.length ?? 0;
  }

  /** All decoded audio of one talker, skipping its first `skipFrames` frames (codec start-up). */
  audio(ssrc: number, skipFrames = 5): Int16Array {
    const decoder = new OpusFrameDecoder();
    const frames = (this.packets.get(ssrc) ?? []).map((p) => decoder.decode(p)).slice(skipFrames);
    const out = new Int16Array(frames.length * FRAME_SAMPLES);
    frames.forEach((f, i) => out.set(f, i * FRAME_SAMPLES));
    return out;
  }

  talkers(): number[] {
    return [...this.packets.keys()];
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
      this.handle.send(serializeRtp({ payloadType: 100, sequenceNumber: seqAdd(0, this.index), timestamp: tsAdd(0, this.index * FRAME_SAMPLES), ssrc: this.ssrc, marker: this.index === 0, payload }));
      this.index++;
    }, 20);
  }

  stop(): void {
    clearInterval(this.timer);
    this.handle.leave();
  }
}
