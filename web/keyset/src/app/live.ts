// What the server changes by itself, shown at once and announced: loops an admin changed (`role_loops_changed`),
// states the server forced (`loop_state_forced`), a session it ended (`session_ended`) — Loopcast extensions,
// docs/protocol.md — and the outage state when no backend is up (stale grid, cue, countdown in the status pill).
import { playCue } from '../audio/cues.js';
import type { PushMessage } from '../logic/envelope.js';
import { leadSwitchNotice } from '../logic/lead.js';
import { applyForced, lostLoops, mergeRoleLoops, staleLoops } from '../logic/live.js';
import { parseRoleLoops } from '../logic/loops.js';
import { isLoopState } from '../logic/types.js';
import type { Backend } from '../net/backend.js';
import type { Keyset } from './keyset.js';
import { ui } from './state.js';

export class LiveChanges {
  /** Some backend was up since the last outage (an outage is announced once, when it starts). */
  private wasUp = false;
  private lastLead: string | undefined;

  constructor(private readonly keyset: Keyset) {}

  reset(): void {
    this.wasUp = false;
    this.lastLead = undefined;
    ui.stale.value = false;
  }

  /** Handles the live-administration pushes; false for anything else. */
  onPush(b: Backend, push: PushMessage): boolean {
    switch (push.event) {
      case 'loop_state_forced':
        this.forced(b, push.parameter);
        return true;
      case 'role_loops_changed':
        this.roleLoops(b, push.parameter);
        return true;
      case 'session_ended':
        // The socket closes next; logging in again with the session would be refused as well.
        ui.notice.value = 'Your session was ended by an administrator.';
        playCue('forced');
        return true;
      default:
        return false;
    }
  }

  private forced(b: Backend, p: Record<string, unknown>): void {
    const loop = typeof p.loop === 'string' ? p.loop : undefined;
    if (!loop || !isLoopState(p.state)) return;
    b.sent[loop] = p.state; // the server already moved this socket
    if (p.state !== 'send') {
      b.talking.delete(loop);
      b.talkAccepted.delete(loop);
    }
    const before = ui.loops.value[loop];
    if (!before || before.state === p.state) return this.keyset.talk.apply();
    ui.loops.value = applyForced(ui.loops.value, loop, p.state);
    const what = p.reason === 'removed' ? 'removed by an administrator' : p.state === 'recv' ? 'talk revoked, monitoring' : 'permission revoked, switched off';
    ui.notice.value = `${before.name}: ${what}`;
    playCue('forced');
    this.keyset.loops.syncAll(); // other backends follow (their own pushes find nothing left to do)
  }

  private roleLoops(b: Backend, p: Record<string, unknown>): void {
    if (b.url !== this.keyset.leadUrl && this.keyset.leadUrl) return; // every backend sends it: follow the lead
    const before = ui.loops.value;
    const after = mergeRoleLoops(before, parseRoleLoops(p));
    for (const backend of this.keyset.backends) for (const id of Object.keys(backend.sent)) if (!after[id]) delete backend.sent[id];
    ui.loops.value = after;
    const lost = lostLoops(before, after);
    if (lost.length > 0) {
      ui.notice.value = lost.map((l) => `${l.name}: ${l.state === 'removed' ? 'removed' : l.state === 'recv' ? 'talk revoked' : 'switched off'}`).join(' · ');
      playCue('forced');
    }
    this.keyset.loops.syncAll();
  }

  /** After every backend change: the outage starts (stale grid, cue) or ends; a lead switch is shown. */
  checkOutage(): void {
    if (ui.phase.value !== 'keyset') return;
    const up = this.keyset.backends.some((b) => b.ready);
    if (!up) {
      ui.loops.value = staleLoops(ui.loops.value);
      ui.quality.value = undefined;
      if (!ui.stale.value) {
        ui.stale.value = true;
        if (this.wasUp) playCue('outage');
      }
      this.wasUp = false;
      return;
    }
    const lead = this.keyset.leadUrl;
    if (ui.stale.value) {
      ui.stale.value = false;
      playCue('restored');
    } else if (this.lastLead && lead && lead !== this.lastLead) {
      const before = this.keyset.backends.find((b) => b.url === this.lastLead);
      ui.notice.value = leadSwitchNotice(before && { url: before.url, ready: before.ready }, lead);
      ui.loops.value = staleLoops(ui.loops.value); // live indications come from the lead: the new one's pushes refill them
      playCue('forced');
    }
    this.wasUp = true;
    this.lastLead = lead;
  }
}
