// Push-to-talk wiring: inputs → PttController → the lead's microphone clone (track.enabled) and
// `talking` {loop, state} on the lead for every talk loop. Other backends listen only.
import { hotkeyAction } from '../logic/hotkeys.js';
import { listenTarget } from '../logic/live.js';
import { isTypingTarget, gamepadEdge, PttController, talkingDiff, type PttSource } from '../logic/ptt.js';
import { statesOf, talkLoops } from '../logic/loops.js';
import { ProtocolRequestError } from '../logic/envelope.js';
import { playCue } from '../audio/cues.js';
import type { LoopState } from '../logic/types.js';
import type { Keyset } from './keyset.js';
import { ui } from './state.js';

export class Talk {
  readonly ptt: PttController;
  private gamepadTimer: number | undefined;
  private gamepadPressed = false;
  /** A key's talk target held for momentary talk, and the states to restore on release. */
  private held: { loop: string; before: Record<string, LoopState> } | undefined;
  /** The key code of a talk hotkey being held (its keyup ends the momentary talk). */
  private heldHotkey: string | undefined;

  constructor(private readonly keyset: Keyset) {
    this.ptt = new PttController((active) => {
      ui.pttActive.value = active;
      this.apply();
    }, ui.settings.value.latch);
  }

  press(source: PttSource): void {
    this.keyset.output.resume();
    // No microphone: refuse at once and say why; nothing is announced to the server.
    if (!this.microphoneLive()) {
      ui.notice.value = `No microphone: cannot talk. ${ui.micError.value || 'Check the headset and the browser permission.'}`.trim();
      playCue('refused');
      return;
    }
    this.ptt.press(source);
  }

  release(source: PttSource): void {
    this.ptt.release(source);
  }

  /**
   * Momentary talk on one key (hold its talk target): that loop alone goes to talk while held, the other
   * states come back on release, as on a professional panel.
   */
  holdKey(loop: string): void {
    if (this.held || !this.microphoneLive()) return this.press('key');
    const view = ui.loops.value[loop];
    if (!view || view.permission !== 'send') return;
    this.held = { loop, before: statesOf(ui.loops.value) };
    this.keyset.loops.switchTo(loop, 'send');
    this.press('key');
  }

  releaseKey(): void {
    const held = this.held;
    if (!held) return;
    this.held = undefined;
    this.release('key');
    for (const [loop, state] of Object.entries(held.before)) if (ui.loops.value[loop] && ui.loops.value[loop].state !== state) this.keyset.loops.switchTo(loop, state);
  }

  private microphoneLive(): boolean {
    const track = this.keyset.mic.track;
    return track !== undefined && track.readyState === 'live';
  }

  /**
   * Brings microphones and `talking` announcements of all backends in line with PTT and talk loops. "On air"
   * (ui.transmitting) only while the lead's microphone is live and the server accepted `talking` on a loop.
   */
  apply(): void {
    const lead = this.keyset.lead;
    const loops = talkLoops(ui.loops.value);
    const on = this.ptt.isActive && loops.length > 0 && lead?.ready === true && this.microphoneLive();
    for (const b of this.keyset.backends) {
      const mine = on && b === lead;
      b.media?.setTransmit(mine);
      if (!b.ready || !b.socket?.isOpen) continue;
      // Only loops the socket has really switched to talk: the server refuses `talking` otherwise.
      const wanted = mine ? loops.filter((l) => b.sent[l] === 'send') : [];
      const { start, stop } = talkingDiff(wanted, b.talking);
      for (const loop of stop) {
        b.talking.delete(loop);
        b.talkAccepted.delete(loop);
        if (b.sent[loop] === 'send') void b.socket.request('talking', { loop, state: false }).catch(() => {});
      }
      for (const loop of start) {
        b.talking.add(loop);
        const socket = b.socket;
        socket
          .request('talking', { loop, state: true })
          .then(() => {
            if (b.socket === socket && b.talking.has(loop)) b.talkAccepted.add(loop);
          })
          .catch((error: unknown) => {
            b.talking.delete(loop);
            if (error instanceof ProtocolRequestError && b === this.keyset.lead) {
              ui.notice.value = `${ui.loops.value[loop]?.name ?? loop}: talk refused${error.is('permission') ? ' (not permitted)' : ''}`;
              playCue('refused');
            }
          })
          .finally(() => this.publish());
      }
    }
    this.publish();
  }

  private publish(): void {
    const lead = this.keyset.lead;
    const onAir = this.ptt.isActive && lead?.ready === true && this.microphoneLive() && talkLoops(ui.loops.value).some((l) => lead.talkAccepted.has(l));
    ui.transmitting.value = onAir;
  }

  /** Keyboard, middle mouse button, focus loss; returns the cleanup. */
  bindInputs(): () => void {
    const isPttKey = (e: KeyboardEvent) => e.code === ui.settings.value.pttKey && ui.phase.value === 'keyset' && !isTypingTarget(e.target as HTMLElement | null);
    const down = (e: KeyboardEvent) => {
      if (this.hotkeyDown(e)) return;
      if (!isPttKey(e) || e.ctrlKey || e.altKey || e.metaKey) return;
      e.preventDefault(); // space would otherwise press the focused tile or scroll
      this.press('key');
    };
    const up = (e: KeyboardEvent) => {
      if (e.code === this.heldHotkey) {
        this.heldHotkey = undefined;
        this.releaseKey();
        return;
      }
      if (e.code !== ui.settings.value.pttKey) return;
      if (isPttKey(e)) e.preventDefault();
      this.release('key');
    };
    const mouseDown = (e: MouseEvent) => {
      if (e.button !== 1 || ui.phase.value !== 'keyset') return;
      e.preventDefault(); // no autoscroll
      this.press('mouse');
    };
    const mouseUp = (e: MouseEvent) => e.button === 1 && this.release('mouse');
    const blur = () => {
      if (this.heldHotkey !== undefined) {
        this.heldHotkey = undefined;
        this.releaseKey();
      }
      this.ptt.releaseAll();
    };
    const padConnected = () => this.pollGamepads();
    const listeners = [
      ['keydown', down],
      ['keyup', up],
      ['mousedown', mouseDown],
      ['mouseup', mouseUp],
      ['blur', blur],
      ['gamepadconnected', padConnected],
    ] as Array<[string, EventListener]>;
    for (const [event, listener] of listeners) window.addEventListener(event, listener);
    return () => {
      for (const [event, listener] of listeners) window.removeEventListener(event, listener);
    };
  }

  /** A per-key hotkey (Settings → Loop hotkeys): talk is momentary on that loop alone, listen toggles. */
  private hotkeyDown(e: KeyboardEvent): boolean {
    if (ui.phase.value !== 'keyset') return false;
    const event = { code: e.code, repeat: e.repeat, ctrlKey: e.ctrlKey, altKey: e.altKey, metaKey: e.metaKey, target: e.target as HTMLElement | null };
    const hotkey = hotkeyAction(event, ui.settings.value.hotkeys, ui.loops.value);
    if (!hotkey) return false;
    e.preventDefault();
    const loop = ui.loops.value[hotkey.loop];
    if (hotkey.action === 'listen') {
      if (loop) this.keyset.loops.switchTo(hotkey.loop, listenTarget(loop));
    } else if (this.heldHotkey === undefined) {
      this.heldHotkey = e.code;
      this.holdKey(hotkey.loop);
    }
    return true;
  }

  /** Gamepad API has no button events: poll at 20 Hz, only while a pad is connected. Any button is PTT. */
  private pollGamepads(): void {
    if (this.gamepadTimer !== undefined) return;
    this.gamepadTimer = window.setInterval(() => {
      const pads = navigator.getGamepads().filter((p): p is Gamepad => p !== null);
      if (pads.length === 0) {
        window.clearInterval(this.gamepadTimer);
        this.gamepadTimer = undefined;
        if (this.gamepadPressed) this.release('gamepad');
        this.gamepadPressed = false;
        return;
      }
      const pressed = pads.some((p) => p.buttons.some((b) => b.pressed));
      const edge = gamepadEdge(this.gamepadPressed, pressed);
      this.gamepadPressed = pressed;
      if (edge === 'press') this.press('gamepad');
      else if (edge === 'release') this.release('gamepad');
    }, 50);
  }
}
