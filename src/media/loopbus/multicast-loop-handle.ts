// A handle on the multicast bus. Local receivers on the same bus get the packet in-process (no
// dependence on multicast loopback); the network copy goes out through the bus's pinned socket.
import { EventEmitter } from 'node:events';
import { parseRtp } from '../rtp.js';
import type { RtpPacket } from '../rtp.js';
import type { LoopAddress, LoopHandle, LoopHandleEvents } from './loop-bus.js';
import type { GroupMember, MulticastGroup } from './multicast-group.js';

export interface MulticastHandleContext {
  group: MulticastGroup;
  send(buf: Buffer, address: LoopAddress): void;
  detach(handle: MulticastLoopHandle): void;
}

export class MulticastLoopHandle extends EventEmitter<LoopHandleEvents> implements LoopHandle, GroupMember {
  readonly ready: Promise<void>;
  private ctx: MulticastHandleContext | undefined;
  private readonly ownSsrcs = new Set<number>();

  constructor(
    readonly loopId: string,
    readonly address: LoopAddress,
    ctx: MulticastHandleContext,
  ) {
    super();
    this.ctx = ctx;
    this.ready = ctx.group.ready;
  }

  get closed(): boolean {
    return this.ctx === undefined;
  }

  send(buf: Buffer): boolean {
    const ctx = this.ctx;
    if (ctx === undefined) return false;
    const rtp = parseRtp(buf);
    if (rtp === undefined) return false;
    if (!this.ownSsrcs.has(rtp.ssrc)) {
      this.ownSsrcs.add(rtp.ssrc);
      ctx.group.addOwnSsrc(rtp.ssrc);
    }
    for (const m of ctx.group.members) if (m !== this) m.deliver(buf, rtp);
    ctx.send(buf, this.address);
    return true;
  }

  deliver(buf: Buffer, rtp: RtpPacket): void {
    this.emit('packet', buf, rtp);
  }

  leave(): void {
    const ctx = this.ctx;
    if (ctx === undefined) return;
    this.ctx = undefined;
    for (const ssrc of this.ownSsrcs) ctx.group.removeOwnSsrc(ssrc);
    this.ownSsrcs.clear();
    ctx.detach(this);
    this.removeAllListeners();
  }
}
