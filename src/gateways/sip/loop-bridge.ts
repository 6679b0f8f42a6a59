// All calls of the gateway on one loop share one bridge: one bus handle, one decoder per remote
// talker, one 20 ms tick. Each call hears the remote talkers plus the other calls, never itself;
// calls hear each other at 8 kHz straight from their G.711 (no Opus round trip between them).
import type { TickClock } from '../../media/clock.js';
import type { LoopBus, LoopHandle } from '../../media/loopbus/index.js';
import { serializeRtp } from '../../media/rtp.js';
import type { SipLoopTarget } from './sip-gateway.js';
import { TELEPHONE_FRAME, RemoteMix } from './transcode.js';

/** Loop bus payload type (docs/openvocs-protocol.md §9). */
const LOOP_PT = 100;
/** Frames a caller may be ahead of the tick before the oldest is dropped (bounds delay). */
const MAX_QUEUED = 3;

export interface BridgeMember {
  /** Receives the member's 20 ms mix at 8 kHz (a fresh array, the member may keep it). */
  hear(pcm8k: Int16Array): void;
}

interface MemberState {
  queue: Int16Array[];
  current: Int16Array | undefined;
}

export class LoopBridge {
  private handle: LoopHandle | undefined;
  private unsubscribe: (() => void) | undefined;
  private remote = new RemoteMix();
  private readonly members = new Map<BridgeMember, MemberState>();
  private readonly local = new Int32Array(TELEPHONE_FRAME);

  constructor(
    readonly target: SipLoopTarget,
    private readonly bus: LoopBus,
    private readonly clock: TickClock,
    private readonly onEmpty: (bridge: LoopBridge) => void,
  ) {}

  get size(): number {
    return this.members.size;
  }

  /** The first member joins the loop and starts the tick; nothing runs for a bridge without calls. */
  add(member: BridgeMember): void {
    this.members.set(member, { queue: [], current: undefined });
    if (this.handle) return;
    const handle = this.bus.join(this.target.key, this.target.address);
    handle.on('packet', (_buf, rtp) => {
      if (rtp.payloadType === LOOP_PT) this.remote.receive(rtp.ssrc, rtp.payload);
    });
    this.handle = handle;
    this.unsubscribe = this.clock.subscribe(() => this.tick());
  }

  remove(member: BridgeMember): void {
    if (!this.members.delete(member) || this.members.size > 0) return;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.handle?.leave();
    this.handle = undefined;
    this.remote.close();
    this.remote = new RemoteMix();
    this.onEmpty(this);
  }

  /** One talking frame of a member: into the loop as Opus now, to the other members at the next tick. */
  speak(member: BridgeMember, pcm8k: Int16Array, opus: Buffer, rtp: { ssrc: number; sequenceNumber: number; timestamp: number; marker: boolean }): void {
    const state = this.members.get(member);
    if (!state) return;
    state.queue.push(pcm8k);
    if (state.queue.length > MAX_QUEUED) state.queue.shift();
    this.handle?.send(serializeRtp({ payloadType: LOOP_PT, ...rtp, payload: opus }));
  }

  private tick(): void {
    const remote = this.remote.tick();
    this.local.fill(0);
    for (const state of this.members.values()) {
      state.current = state.queue.shift();
      if (state.current) for (let i = 0; i < TELEPHONE_FRAME; i++) this.local[i] = (this.local[i] as number) + (state.current[i] as number);
    }
    for (const [member, state] of this.members) {
      const out = new Int16Array(TELEPHONE_FRAME);
      const own = state.current;
      for (let i = 0; i < TELEPHONE_FRAME; i++) {
        const v = (this.local[i] as number) - (own ? (own[i] as number) : 0) + (remote ? (remote[i] as number) : 0);
        out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      }
      member.hear(out);
    }
  }
}
