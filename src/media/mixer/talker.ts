// One talker (SSRC) inside the mixer engine: its uplink gate, playout buffer and one decoder, the loops
// its packets arrive on, and this tick's decoded frame. Decoded once per engine, whatever the number of
// listeners. Chain: receive (gate, push) → playout (PlayoutBuffer.tick) → decode (processInput).
import { NONE, type Processor } from '../chain/index.js';
import { PlayoutBuffer, type PlayoutOptions, type PlayoutOutput, type PlayoutPacket, type PushResult } from '../playout/index.js';
import { rmsDbfs } from '../audio/level.js';
import type { FrameDecoder } from './codec.js';
import { isDtxPayload, UplinkGate, type GateOptions } from './uplink-gate.js';

export type TalkerPushResult = PushResult | 'copy' | 'gated';

export type DecodeResult = 'decode' | 'conceal' | 'error';

export class Talker implements Processor<PlayoutOutput, Int16Array> {
  readonly playout: PlayoutBuffer;
  readonly gate: UplinkGate;
  /** loop id -> engine tick of the last packet seen on that loop */
  readonly loops = new Map<string, number>();
  /** The frame popped at `poppedAt`, decoded (or concealed); undefined when silent or not needed. */
  pcm: Int16Array | undefined;
  /** Engine tick of the last playout step (the frame in `pcm`); listeners of other phases use it later. */
  poppedAt = -Infinity;
  /** Mixing phase of the playing spurt (docs/media.md "Mixing phases"); undefined between spurts. */
  phase: number | undefined;
  /** Loops the popped frame is mixed into (the talker was on them when it was popped). */
  onLoops: readonly string[] = [];
  dbfs = -Infinity;
  lastPacketTick = 0;
  /** What the last processInput did: decoded, concealed a loss, or concealed an undecodable packet. */
  lastDecode: DecodeResult = 'conceal';
  private readonly out: Int16Array[] = [];
  private decoder: FrameDecoder | undefined;
  /** The frame that opened the spurt, decoded by the gate: played without decoding it twice. */
  private opened: { payload: Buffer; pcm: Int16Array } | undefined;
  private lastSeq = -1;
  private lastTs = -1;

  constructor(
    readonly ssrc: number,
    private readonly createDecoder: () => FrameDecoder,
    playout: PlayoutOptions,
    gate: GateOptions = {},
  ) {
    this.playout = new PlayoutBuffer(playout);
    this.gate = new UplinkGate(gate);
  }

  /** 'copy' = the same packet already arrived on another loop; 'gated' = silence that opens no spurt. */
  push(loop: string, pkt: PlayoutPacket, arrivalMs: number, tick: number): TalkerPushResult {
    this.lastPacketTick = tick;
    if (pkt.sequenceNumber === this.lastSeq && pkt.timestamp === this.lastTs) {
      this.loops.set(loop, tick);
      return 'copy';
    }
    this.lastSeq = pkt.sequenceNumber;
    this.lastTs = pkt.timestamp;
    if (this.playout.idle) {
      if (isDtxPayload(pkt.payload)) return 'gated';
      const pcm = this.decodeOrUndefined(pkt.payload);
      if (pcm === undefined || !this.gate.opens(rmsDbfs(pcm))) return 'gated';
      this.opened = { payload: pkt.payload, pcm };
    }
    this.loops.set(loop, tick);
    return this.playout.push(pkt, arrivalMs);
  }

  /** Loops this talker counts as sending into at `tick`: seen within the last `hold` ticks. */
  isOnLoop(loop: string, tick: number, hold: number): boolean {
    const seen = this.loops.get(loop);
    return seen !== undefined && tick - seen <= hold;
  }

  /**
   * The decode stage: a played frame or a loss ('conceal') in, this tick's pcm out (a corrupted
   * packet is concealed, not dropped); the end of a spurt ('silent') yields nothing. What happened
   * is left in `lastDecode` for the engine's counters. The output array is reused.
   */
  processInput(input: PlayoutOutput): readonly Int16Array[] {
    if (input.kind === 'silent') {
      this.pcm = undefined;
      return NONE;
    }
    const payload = input.kind === 'frame' ? input.payload : undefined;
    let pcm: Int16Array | undefined;
    if (payload && this.opened?.payload === payload) {
      pcm = this.opened.pcm;
      this.lastDecode = 'decode';
    } else if (payload) {
      pcm = this.decodeOrUndefined(payload);
      this.lastDecode = pcm === undefined ? 'error' : 'decode';
      pcm ??= this.decoderOf().conceal();
    } else {
      pcm = this.decoderOf().conceal();
      this.lastDecode = 'conceal';
    }
    this.opened = undefined;
    this.pcm = pcm;
    this.dbfs = rmsDbfs(pcm);
    // Sustained silence inside a spurt (a muted track's encoded silence): end it, gate closed again.
    if (this.gate.closes(this.dbfs)) this.playout.endSpurt();
    this.out[0] = pcm;
    return this.out;
  }

  close(): void {
    this.decoder?.close();
    this.decoder = undefined;
    this.pcm = undefined;
    this.opened = undefined;
  }

  private decoderOf(): FrameDecoder {
    this.decoder ??= this.createDecoder();
    return this.decoder;
  }

  private decodeOrUndefined(payload: Buffer): Int16Array | undefined {
    try {
      return this.decoderOf().decode(payload);
    } catch {
      return undefined;
    }
  }
}
