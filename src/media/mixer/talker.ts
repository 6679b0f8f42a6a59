// One talker (SSRC) inside the mixer engine: its playout buffer, its one decoder, the loops its packets
// arrive on, and this tick's decoded frame. Decoded once per engine, whatever the number of listeners.
import { PlayoutBuffer, type PlayoutOptions, type PlayoutPacket, type PushResult } from '../playout/index.js';
import { rmsDbfs } from '../audio/level.js';
import type { FrameDecoder } from './codec.js';

export class Talker {
  readonly playout: PlayoutBuffer;
  /** loop id -> engine tick of the last packet seen on that loop */
  readonly loops = new Map<string, number>();
  /** This tick's decoded (or concealed) frame; undefined when silent or not needed. */
  pcm: Int16Array | undefined;
  dbfs = -Infinity;
  lastPacketTick = 0;
  private decoder: FrameDecoder | undefined;
  private lastSeq = -1;
  private lastTs = -1;

  constructor(
    readonly ssrc: number,
    private readonly createDecoder: () => FrameDecoder,
    playout: PlayoutOptions,
  ) {
    this.playout = new PlayoutBuffer(playout);
  }

  /** 'copy' = the same packet already arrived on another loop (a talker on several loops). */
  push(loop: string, pkt: PlayoutPacket, arrivalMs: number, tick: number): PushResult | 'copy' {
    this.loops.set(loop, tick);
    this.lastPacketTick = tick;
    if (pkt.sequenceNumber === this.lastSeq && pkt.timestamp === this.lastTs) return 'copy';
    this.lastSeq = pkt.sequenceNumber;
    this.lastTs = pkt.timestamp;
    return this.playout.push(pkt, arrivalMs);
  }

  /** Loops this talker counts as sending into at `tick`: seen within the last `hold` ticks. */
  isOnLoop(loop: string, tick: number, hold: number): boolean {
    const seen = this.loops.get(loop);
    return seen !== undefined && tick - seen <= hold;
  }

  /** Decodes or conceals one frame. Returns 'decode' | 'conceal' | 'error' for the engine's counters. */
  decode(payload: Buffer | undefined): 'decode' | 'conceal' | 'error' {
    this.decoder ??= this.createDecoder();
    let result: 'decode' | 'conceal' | 'error' = payload ? 'decode' : 'conceal';
    if (payload) {
      try {
        this.pcm = this.decoder.decode(payload);
      } catch {
        result = 'error'; // corrupted packet: conceal instead of dropping the talker
        this.pcm = this.decoder.conceal();
      }
    } else {
      this.pcm = this.decoder.conceal();
    }
    this.dbfs = rmsDbfs(this.pcm);
    return result;
  }

  close(): void {
    this.decoder?.close();
    this.decoder = undefined;
    this.pcm = undefined;
  }
}
