// The embedded default bus: loops live inside this process. No sockets, no copies.
import { InProcessLoopHandle } from './in-process-loop-handle.js';
import type { InProcessLoop } from './in-process-loop-handle.js';
import type { LoopBus } from './loop-bus.js';

export class InProcessLoopBus implements LoopBus {
  private readonly loops = new Map<string, InProcessLoop>();
  private closed = false;

  /** The address is accepted for interface compatibility and ignored. */
  join(loopId: string): InProcessLoopHandle {
    if (this.closed) throw new Error('loop bus is closed');
    let loop = this.loops.get(loopId);
    if (loop === undefined) {
      const created: InProcessLoop = {
        members: new Set(),
        detach: (h) => {
          created.members.delete(h);
          if (created.members.size === 0 && this.loops.get(loopId) === created) this.loops.delete(loopId);
        },
      };
      loop = created;
      this.loops.set(loopId, loop);
    }
    const handle = new InProcessLoopHandle(loopId, loop);
    loop.members.add(handle);
    return handle;
  }

  /** Number of handles on a loop (for tests and metrics). */
  memberCount(loopId: string): number {
    return this.loops.get(loopId)?.members.size ?? 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const loop of [...this.loops.values()]) for (const h of [...loop.members]) h.leave();
    this.loops.clear();
  }
}
