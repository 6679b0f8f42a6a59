// Loop switching across backends: the operator's wish is the desired state in ui.loops; every backend's
// socket is brought to it (reconcile), after clicks, sibling switches and reconnects alike.
import type { PushMessage } from '../logic/envelope.js';
import { ProtocolRequestError } from '../logic/envelope.js';
import { parseParticipants, planSwitch, reconcile, statesOf, type LoopMap } from '../logic/loops.js';
import { applyPush, clearLive } from '../logic/pushes.js';
import { isJsonObject, type LoopState } from '../logic/types.js';
import type { Backend } from '../net/backend.js';
import type { Keyset } from './keyset.js';
import { ui } from './state.js';

export class LoopSync {
  private initialized = false;
  private volumeTimers = new Map<string, number>();
  private readonly naming = new Set<string>();

  constructor(private readonly keyset: Keyset) {}

  reset(): void {
    this.initialized = false;
    ui.loops.value = {};
  }

  switchTo(id: string, target: LoopState): void {
    const loops = ui.loops.value;
    if (!loops[id]) return;
    const desired = planSwitch(statesOf(loops), id, target, ui.settings.value.multiTalk);
    ui.loops.value = withStates(loops, desired);
    this.syncAll();
  }

  /** Volume slider: shown at once, sent at most every 100 ms (dragging fires many input events). */
  setVolume(id: string, volume: number): void {
    const loop = ui.loops.value[id];
    if (!loop) return;
    ui.loops.value = { ...ui.loops.value, [id]: { ...loop, volume } };
    if (this.volumeTimers.has(id)) return;
    this.volumeTimers.set(
      id,
      window.setTimeout(() => {
        this.volumeTimers.delete(id);
        this.sendVolume(id, ui.loops.value[id]?.volume ?? volume);
      }, 100),
    );
  }

  /** Instant replay ("say again"): the loop's last talk spurt into this operator's downlink (the lead backend's). */
  replay(id: string): void {
    const loop = ui.loops.value[id];
    const socket = this.keyset.lead?.socket;
    if (!loop || !socket) return;
    this.patch(id, { replaying: true });
    socket.request('replay', { loop: id }).catch((error: unknown) => {
      this.patch(id, { replaying: false });
      if (error instanceof ProtocolRequestError) ui.notice.value = `${loop.name}: ${error.is('permission') ? 'replay not permitted' : error.description}`;
    });
  }

  private sendVolume(id: string, volume: number): void {
    for (const b of this.keyset.backends) if (b.ready) void b.socket?.request('switch_loop_volume', { loop: id, volume }).catch(() => {});
  }

  /** After role_loops on a fresh socket: adopt the server's persisted states the first time, then re-apply. */
  async resync(b: Backend, fromServer: LoopMap): Promise<void> {
    const isLead = !this.keyset.leadUrl || b.url === this.keyset.leadUrl;
    let loops: LoopMap;
    if (!this.initialized) {
      loops = fromServer;
      this.initialized = true;
    } else {
      // Keep the operator's wish for known loops; take new loops (and dropped ones) from the server.
      const current = ui.loops.value;
      loops = Object.fromEntries(Object.entries(fromServer).map(([id, l]) => [id, current[id] ? { ...l, state: current[id].state, volume: current[id].volume } : l]));
      if (isLead) loops = clearLive(loops);
    }
    ui.loops.value = loops;
    const socket = b.socket;
    if (!socket) return;
    // The openvocs client re-sends every non-off state on a new socket; a persisted state the operator
    // switched off meanwhile is switched off, so the server stores the truth.
    for (const loop of Object.values(loops)) {
      const persisted = fromServer[loop.id];
      if (loop.state !== 'none' || persisted?.state !== 'none') await this.send(b, loop.id, loop.state);
      if (persisted && persisted.volume !== loop.volume) void socket.request('switch_loop_volume', { loop: loop.id, volume: loop.volume }).catch(() => {});
    }
  }

  /** Brings every ready backend's socket to the desired states. */
  syncAll(): void {
    const desired = statesOf(ui.loops.value);
    for (const b of this.keyset.backends) {
      // Never before this socket's media_ready (openvocs drops such a socket); establish re-applies after it.
      if (!b.media?.ready || !b.socket?.isOpen) continue;
      for (const cmd of reconcile(desired, b.sent)) void this.send(b, cmd.loop, cmd.state);
    }
    this.keyset.talk.apply();
  }

  private async send(b: Backend, loop: string, state: LoopState): Promise<void> {
    const before = b.sent[loop] ?? 'none';
    b.sent[loop] = state;
    try {
      const reply = await b.socket!.request('switch_loop_state', { loop, state });
      if (b.url === this.keyset.leadUrl || !this.keyset.leadUrl) this.patch(loop, { participants: parseParticipants(reply.participants) });
    } catch (error) {
      if (b.sent[loop] === state) b.sent[loop] = before;
      if (!(error instanceof ProtocolRequestError)) return; // connection lost: the resync after reconnect repairs it
      if (b.url === this.keyset.leadUrl && ui.loops.value[loop]?.state === state) {
        this.patch(loop, { state: before });
        ui.notice.value = `${ui.loops.value[loop]?.name ?? loop}: ${error.is('permission') ? 'not permitted' : error.description}`;
      }
    } finally {
      this.keyset.talk.apply();
    }
  }

  onPush(push: PushMessage): void {
    if (push.event === 'replay_end') {
      const loop = push.parameter.loop;
      if (typeof loop === 'string') this.patch(loop, { replaying: false });
      return;
    }
    const session = { client: this.keyset.client, user: ui.user.value, role: ui.role.value };
    const result = applyPush(ui.loops.value, push.event, push.type, push.parameter, session);
    ui.loops.value = result.loops;
    if (push.event === 'talking' || push.event === 'switch_loop_state') this.learnNames(push.parameter);
    if (result.mirror?.kind === 'state') this.syncAll();
    else if (result.mirror?.kind === 'volume') this.sendVolume(result.mirror.loop, result.mirror.volume);
  }

  /** Talkers and participants by name: unknown user/role pairs are looked up once per loop (loop_participants). */
  private learnNames(p: Record<string, unknown>): void {
    const loop = typeof p.loop === 'string' ? p.loop : undefined;
    const listed: unknown[] = Array.isArray(p.participants) ? (p.participants as unknown[]) : [];
    const pairs = [p, ...listed].filter(isJsonObject);
    const names = ui.names.value;
    if (!loop || pairs.every((x) => typeof x.user !== 'string' || names.has(`${x.user}/${typeof x.role === 'string' ? x.role : ''}`)) || this.naming.has(loop)) return;
    const socket = this.keyset.lead?.socket;
    if (!socket) return;
    this.naming.add(loop);
    socket
      .request('loop_participants', { loop })
      .then((reply) => {
        const next = new Map(ui.names.value);
        for (const x of reply.participants) next.set(`${x.user}/${x.role}`, { user_name: x.user_name, role_name: x.role_name });
        ui.names.value = next;
      })
      .catch(() => {}) // an older backend without the extension: ids are shown
      .finally(() => this.naming.delete(loop));
  }

  private patch(id: string, patch: Partial<LoopMap[string]>): void {
    const loop = ui.loops.value[id];
    if (loop) ui.loops.value = { ...ui.loops.value, [id]: { ...loop, ...patch } };
  }
}

function withStates(loops: LoopMap, states: Record<string, LoopState>): LoopMap {
  return Object.fromEntries(Object.entries(loops).map(([id, l]) => [id, states[id] && states[id] !== l.state ? { ...l, state: states[id] } : l]));
}
