// The loop bus: how RTP of one voice loop reaches every mixer/edge that hears it. A loop is one
// IP multicast group:port (deployed) or an in-process fan-out (embedded). Bus RTP follows
// docs/openvocs-protocol.md §9: plain RTP, PT 100, 48 kHz clock, 20 ms mono Opus frames, one SSRC per talker.
import type { EventEmitter } from 'node:events';
import type { LoopAddress } from '../control.js';
import type { RtpPacket } from '../rtp.js';

export type { LoopAddress };

export type LoopHandleEvents = {
  /**
   * One packet from another sender on the loop. `buf` and `rtp` (whose payload is a view into
   * `buf`) may be shared with other receivers: treat both as read-only.
   */
  packet: [buf: Buffer, rtp: RtpPacket];
};

/** One participant's attachment to a loop: it can send, and hears everybody else. */
export interface LoopHandle extends EventEmitter<LoopHandleEvents> {
  readonly loopId: string;
  /** The multicast group:port of the loop; undefined on the in-process bus. */
  readonly address: LoopAddress | undefined;
  /** Resolves once the handle receives (socket bound, group joined). */
  readonly ready: Promise<void>;
  readonly closed: boolean;
  /** Sends one RTP packet to the loop. Returns false if it is not RTP or the handle is closed. */
  send(rtp: Buffer): boolean;
  /** Detaches from the loop; no 'packet' events afterwards. Idempotent. */
  leave(): void;
}

export interface LoopBus {
  /**
   * Attaches to a loop. `address` pins the loop's multicast group:port; without it the bus
   * allocates one deterministically from the loop id (the in-process bus ignores addresses).
   */
  join(loopId: string, address?: LoopAddress): LoopHandle;
  /** Leaves every handle and frees all sockets. Idempotent. */
  close(): void;
}
