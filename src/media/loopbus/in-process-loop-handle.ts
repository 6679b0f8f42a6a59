// A handle on the in-process bus. Delivery is synchronous and zero-copy: the sender's Buffer and
// one parsed header object go to every other handle on the loop.
import { EventEmitter } from 'node:events';
import { parseRtp } from '../rtp.js';
import type { RtpPacket } from '../rtp.js';
import type { LoopAddress, LoopHandle, LoopHandleEvents } from './loop-bus.js';

/** What a handle needs from its bus: the loop's member set and a way to detach. */
export interface InProcessLoop {
  members: Set<InProcessLoopHandle>;
  detach(handle: InProcessLoopHandle): void;
}

export class InProcessLoopHandle extends EventEmitter<LoopHandleEvents> implements LoopHandle {
  readonly address: LoopAddress | undefined = undefined;
  readonly ready: Promise<void> = Promise.resolve();
  private loop: InProcessLoop | undefined;

  constructor(
    readonly loopId: string,
    loop: InProcessLoop,
  ) {
    super();
    this.loop = loop;
  }

  get closed(): boolean {
    return this.loop === undefined;
  }

  send(buf: Buffer): boolean {
    const loop = this.loop;
    if (loop === undefined) return false;
    const rtp = parseRtp(buf);
    if (rtp === undefined) return false;
    for (const member of loop.members) if (member !== this) member.deliver(buf, rtp);
    return true;
  }

  leave(): void {
    const loop = this.loop;
    if (loop === undefined) return;
    this.loop = undefined;
    loop.detach(this);
    this.removeAllListeners();
  }

  private deliver(buf: Buffer, rtp: RtpPacket): void {
    this.emit('packet', buf, rtp);
  }
}
