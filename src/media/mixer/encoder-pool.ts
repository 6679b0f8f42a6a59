// Encoders keyed by mix key, with continuity rules that keep every listener's Opus stream smooth.
//
// An Opus encoder carries state (SILK/CELT prediction, MDCT overlap) that the listener's decoder
// mirrors. Frames from a different encoder instance are still valid Opus, but the state mismatch can
// click for one frame. So, when a mix key appears that had no encoder last tick:
//  1. inherit: if a member's previous key is gone this tick, its encoder moves to the new key, so
//     that member's stream continues bit-exactly (e.g. a shared group that gained a talker);
//  2. otherwise take a pooled encoder, reset() it and prime it by encoding the member's previous
//     mix once (output discarded): its state then matches what the member's decoder last heard,
//     which keeps the switch glitch small. Costs one extra encode, only on key changes.
// A member who joins an existing key (e.g. stopped talking, now hears what its group hears) switches
// to that key's encoder without priming. Either way the switch is not exact: the engine codes the
// first frame a decoder gets from an encoder it did not hear without prediction (`generation`,
// docs/media.md "Encoder switches"). Slots unused for a whole tick go back to the free list.
import { FRAME_SAMPLES } from '../opus.js';
import type { FrameEncoder } from './codec.js';

export interface EncoderSlot {
  readonly encoder: FrameEncoder;
  /** This tick's mix once written; until then last tick's (what priming replays). */
  readonly pcm: Int16Array;
  key: string;
  used: boolean;
  /** Whether pcm holds a mix this encoder has encoded (false for a fresh or reset slot). */
  hasPcm: boolean;
  /**
   * Bumped by every encode and reset: a listener whose decoder last heard this slot at this
   * generation is in step with the encoder; anyone else needs an independent frame first.
   */
  generation: number;
}

export interface AcquireResult {
  slot: EncoderSlot;
  how: 'kept' | 'inherited' | 'primed' | 'fresh';
}

export class EncoderPool {
  private readonly active = new Map<string, EncoderSlot>();
  private readonly free: EncoderSlot[] = [];
  private created = 0;

  constructor(private readonly createEncoder: () => FrameEncoder) {}

  /** Encoders currently assigned to a key, and encoders ever created (pooled ones included). */
  get size(): { active: number; created: number } {
    return { active: this.active.size, created: this.created };
  }

  beginTick(): void {
    for (const slot of this.active.values()) slot.used = false;
  }

  /**
   * Slot for `key`. `previousKeys` are the members' keys from last tick; `currentKeys` all keys in use
   * this tick (an encoder still needed by its own key is never taken away). Call for every key of
   * the tick before writing any slot's pcm: priming replays last tick's mix.
   */
  acquire(key: string, previousKeys: Iterable<string | undefined>, currentKeys: ReadonlySet<string>): AcquireResult {
    const kept = this.active.get(key);
    if (kept) {
      kept.used = true;
      return { slot: kept, how: 'kept' };
    }
    let primeFrom: EncoderSlot | undefined;
    for (const prev of previousKeys) {
      if (prev === undefined) continue;
      const s = this.active.get(prev);
      if (!s) continue;
      if (!s.used && !currentKeys.has(prev)) {
        this.active.delete(prev);
        return { slot: this.assign(s, key), how: 'inherited' };
      }
      if (s.hasPcm) primeFrom ??= s;
    }
    const slot = this.assign(this.take(), key);
    if (primeFrom) {
      slot.encoder.encode(primeFrom.pcm);
      slot.generation++;
      return { slot, how: 'primed' };
    }
    return { slot, how: 'fresh' };
  }

  /** Returns slots that no key used this tick to the free list. */
  endTick(): void {
    for (const [key, slot] of this.active) {
      if (slot.used) continue;
      this.active.delete(key);
      this.free.push(slot);
    }
  }

  close(): void {
    for (const s of this.active.values()) s.encoder.close();
    for (const s of this.free) s.encoder.close();
    this.active.clear();
    this.free.length = 0;
  }

  private assign(slot: EncoderSlot, key: string): EncoderSlot {
    slot.key = key;
    slot.used = true;
    this.active.set(key, slot);
    return slot;
  }

  private take(): EncoderSlot {
    const pooled = this.free.pop();
    if (pooled) {
      pooled.encoder.reset();
      pooled.hasPcm = false;
      pooled.generation++;
      return pooled;
    }
    this.created++;
    return { encoder: this.createEncoder(), pcm: new Int16Array(FRAME_SAMPLES), key: '', used: false, hasPcm: false, generation: 0 };
  }
}
