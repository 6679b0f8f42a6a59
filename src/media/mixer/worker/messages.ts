// Messages between the media plane and a mixer engine in a worker thread. One `tick` message per
// 20 ms carries every packet that arrived since the last one (payloads packed into one transferred
// ArrayBuffer: a Buffer view would clone its whole 8 KB pool slab), one `mixed` reply carries the
// encoded frames (packed the same way). Listener changes are rare and sent as they happen.
import type { MixerCounters, MixerOptions } from '../types.js';

/** MixerOptions without codecs (functions do not cross threads: the worker uses Opus). */
export type WorkerMixerOptions = Omit<MixerOptions, 'codecs'>;

export interface PackedPush {
  loop: string;
  ssrc: number;
  sequenceNumber: number;
  timestamp: number;
  arrivalMs: number;
  /** Byte range of the payload in the tick's `bytes`. */
  start: number;
  end: number;
}

export interface PackedOutput {
  kind: 'mix' | 'tail';
  listenerIds: string[];
  talkers: number[];
  start: number;
  end: number;
}

export type ToWorker =
  // Optional, not just undefined: JSON (wire.ts) drops undefined fields, the schema must not need them.
  | { type: 'setListener'; id: string; ssrc?: number | undefined; volumes: Record<string, number> }
  | { type: 'setVolume'; id: string; loop: string; volume?: number | undefined }
  | { type: 'removeListener'; id: string }
  | { type: 'tick'; seq: number; tag: number; nowMs: number; pushes: PackedPush[]; bytes: ArrayBuffer };

/** First message of a worker: its engine is loaded and takes messages. */
export interface ReadyReply {
  type: 'ready';
}

export interface MixedReply {
  type: 'mixed';
  seq: number;
  tag: number;
  outputs: PackedOutput[];
  bytes: ArrayBuffer;
  /** True when the engine needs no more ticks (no talker playing, no silence tail due). */
  idle: boolean;
  counters: MixerCounters;
  /** Milliseconds the worker spent on the tick (decode, mix, encode). */
  busyMs: number;
}

/** Packs buffers into one fresh, transferable ArrayBuffer; returns the [start, end) of each. */
export function pack(buffers: readonly Uint8Array[]): { bytes: ArrayBuffer; ranges: Array<[number, number]> } {
  let total = 0;
  for (const b of buffers) total += b.byteLength;
  const out = new Uint8Array(total);
  const ranges: Array<[number, number]> = [];
  let at = 0;
  for (const b of buffers) {
    out.set(b, at);
    ranges.push([at, at + b.byteLength]);
    at += b.byteLength;
  }
  return { bytes: out.buffer, ranges };
}

export type FromWorker = ReadyReply | MixedReply;
