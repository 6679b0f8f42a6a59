// The bus address of every loop, decided by signaling for the media hosts it drives: a host has no
// directory, so each loop goes to it with its multicast group filled in — the configured one, or the
// one every multicast bus allocates from the same loop list (address-allocator.ts), so hosts and
// embedded backends of the deployment agree. Recomputed when the directory changes.
import type { LoopAddress, MediaLoop } from '../control.js';
import { LoopAddressAllocator } from '../loopbus/address-allocator.js';

export interface KnownLoopAddress {
  id: string;
  address?: LoopAddress;
}

export class LoopAddresses {
  private allocator: LoopAddressAllocator | undefined;

  /** `loops`: every loop of the directory now; call `invalidate` when it changes. */
  constructor(private readonly loops: () => KnownLoopAddress[]) {}

  invalidate(): void {
    this.allocator = undefined;
  }

  resolve(loop: MediaLoop): MediaLoop {
    if (loop.multicast) return loop;
    return { key: loop.key, multicast: this.current().allocate(loop.key) };
  }

  private current(): LoopAddressAllocator {
    if (this.allocator) return this.allocator;
    const allocator = new LoopAddressAllocator();
    const loops = this.loops();
    for (const loop of loops) if (loop.address) allocator.reserve(loop.address);
    allocator.allocateAll(loops.filter((l) => !l.address).map((l) => l.id));
    this.allocator = allocator;
    return allocator;
  }
}
