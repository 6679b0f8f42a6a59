// One talker (SSRC) inside the mixer engine: its uplink gate, playout buffer and one decoder, the loops
// its packets arrive on, and this tick's decoded frame. Decoded once per engine, whatever the number of
// listeners. Chain: receive (gate) → playout → decode.
import { PlayoutBuffer, type PlayoutOptions, type PlayoutPacket, type PushResult } from '../playout/index.js';
import { rmsDbfs } from '../audio/level.js';
import type { FrameDecoder } from './codec.js';
import { isDtxPayload, UplinkGate, type GateOptions } from './uplink-gate.js';

export type TalkerPushResult = PushResult | 'copy' | 'gated';

export class Talker {
  readonly playout: PlayoutBuffer;
  readonly gate: UplinkGate;
  /** loop id -> engine tick of the last packet seen on that loop */
  readonly loops = new Map<string, number>();
  /** This tick's decoded (or concealed) frame; undefined when silent or not needed. */
  pcm: Int16Array | undefined;
  dbfs = -Infinity;
  lastPacketTick = 0;
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

  /** Decodes or conceals one frame. Returns 'decode' | 'conceal' | 'error' for the engine's counters. */
  decode(payload: Buffer | undefined): 'decode' | 'conceal' | 'error' {
    let result: 'decode' | 'conceal' | 'error' = payload ? 'decode' : 'conceal';
    if (payload && this.opened?.payload === payload) {
      this.pcm = this.opened.pcm;
    } else if (payload) {
      const pcm = this.decodeOrUndefined(payload);
      if (pcm === undefined) result = 'error'; // corrupted packet: conceal instead of dropping the talker
      this.pcm = pcm ?? this.decoderOf().conceal();
    } else {
      this.pcm = this.decoderOf().conceal();
    }
    this.opened = undefined;
    this.dbfs = rmsDbfs(this.pcm);
    // Sustained silence inside a spurt (a muted track's encoded silence): end it, gate closed again.
    if (this.gate.closes(this.dbfs)) this.playout.endSpurt();
    return result;
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
