// The gateway's bridges, one per loop with calls (created on the first call, dropped with the last),
// the one 20 ms clock they tick on, and the loop-side SSRCs of calls (≤ 66000: reserved for gateways).
import { randomInt } from 'node:crypto';
import { TickClock } from '../../media/clock.js';
import type { LoopBus } from '../../media/loopbus/index.js';
import { LoopBridge } from './loop-bridge.js';
import type { SipLoopTarget } from './sip-types.js';

export class LoopBridges {
  private readonly bridges = new Map<string, LoopBridge>();
  private readonly clock = new TickClock();
  private nextSsrc = randomInt(1000, 60000);

  constructor(private readonly bus: LoopBus) {}

  bridgeFor(target: SipLoopTarget): LoopBridge {
    const loop = target.key;
    let bridge = this.bridges.get(loop);
    if (!bridge) {
      bridge = new LoopBridge(target, this.bus, this.clock, (empty) => {
        if (this.bridges.get(loop) === empty) this.bridges.delete(loop);
      });
      this.bridges.set(loop, bridge);
    }
    return bridge;
  }

  allocateSsrc(): number {
    this.nextSsrc = this.nextSsrc >= 66000 ? 1000 : this.nextSsrc + 1;
    return this.nextSsrc;
  }

  close(): void {
    this.clock.close();
  }
}
