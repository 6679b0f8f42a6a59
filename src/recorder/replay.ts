// Instant replay ("say again"): the last seconds of a loop, from the recorder's memory, played into
// one listener's own mix as a private loop, in real time, while live loops keep playing (ducked by
// the caller). Packets are re-sent as they were received — never decoded here — under fresh SSRCs
// so the replayed voices never share playout state with the same talkers live.
import { randomInt } from 'node:crypto';
import type { RtpPacket } from '../media/rtp.js';
import { seqAdd, tsAdd } from '../media/rtp/sequence.js';
import type { ReplayPacket } from './loop-recorder.js';

/** What the media plane offers a replay. */
export interface ReplaySink {
  /** Adds the private loop `key` to the listener's mix; false if the listener has no media session. */
  attach(listenerId: string, key: string, volume: number): boolean;
  push(key: string, packet: RtpPacket): void;
  detach(listenerId: string, key: string): void;
  /** Calls `fn` every 20 ms until the returned function is called. */
  every20ms(fn: () => void): () => void;
}

export const MAX_REPLAY_MS = 30_000;
/** Packets are handed to the playout buffer this far ahead of their time. */
const LEAD_MS = 40;

export interface ReplaySelection {
  fromMs: number;
  toMs: number;
}

/**
 * Which part of the loop to replay: the last `seconds` (capped at 30), or by default the last talk
 * spurt up to now (capped at the last 30 s).
 */
export function selectReplay(nowMs: number, lastSpurtStartMs: number | undefined, seconds: number | undefined): ReplaySelection | undefined {
  if (seconds !== undefined) return { fromMs: nowMs - Math.min(seconds * 1000, MAX_REPLAY_MS), toMs: nowMs };
  if (lastSpurtStartMs === undefined) return undefined;
  return { fromMs: Math.max(lastSpurtStartMs, nowMs - MAX_REPLAY_MS), toMs: nowMs };
}

interface Stream {
  ssrc: number;
  seq: number;
}

export class ReplaySession {
  private index = 0;
  private ticks = 0;
  private stopTicks: (() => void) | undefined;
  private readonly streams = new Map<number, Stream>();
  private finished = false;

  constructor(
    private readonly sink: ReplaySink,
    private readonly listenerId: string,
    readonly key: string,
    private readonly packets: readonly ReplayPacket[],
    private readonly onEnd: () => void,
  ) {}

  /** Length of the replay in ms. */
  get durationMs(): number {
    const first = this.packets[0];
    const last = this.packets.at(-1);
    return first && last ? last.atMs - first.atMs + 20 : 0;
  }

  start(volume: number): boolean {
    if (this.packets.length === 0 || !this.sink.attach(this.listenerId, this.key, volume)) return false;
    this.stopTicks = this.sink.every20ms(() => this.step());
    this.step();
    return true;
  }

  private step(): void {
    const t0 = (this.packets[0] as ReplayPacket).atMs;
    const playhead = t0 + this.ticks++ * 20 + LEAD_MS;
    while (this.index < this.packets.length && (this.packets[this.index] as ReplayPacket).atMs <= playhead) {
      const p = this.packets[this.index++] as ReplayPacket;
      let stream = this.streams.get(p.ssrc);
      if (!stream) this.streams.set(p.ssrc, (stream = { ssrc: randomInt(1, 0xffffffff), seq: 0 }));
      this.sink.push(this.key, {
        payloadType: 100,
        sequenceNumber: stream.seq,
        timestamp: tsAdd(0, Math.round((p.atMs - t0) * 48)),
        ssrc: stream.ssrc,
        marker: stream.seq === 0,
        payload: p.payload,
      });
      stream.seq = seqAdd(stream.seq, 1);
    }
    // Let the playout buffer drain (a few frames) before leaving the mix.
    if (this.index >= this.packets.length && playhead > (this.packets.at(-1) as ReplayPacket).atMs + 200) this.stop();
  }

  /** Ends the replay (also when the listener leaves or presses again). Idempotent. */
  stop(): void {
    if (this.finished) return;
    this.finished = true;
    this.stopTicks?.();
    this.sink.detach(this.listenerId, this.key);
    this.onEnd();
  }
}
