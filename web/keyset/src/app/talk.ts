// Push-to-talk wiring: inputs → PttController → the lead's microphone clone (track.enabled) and
// `talking` {loop, state} on the lead for every talk loop. Other backends listen only.
import { isTypingTarget, gamepadEdge, PttController, talkingDiff, type PttSource } from '../logic/ptt.js';
import { talkLoops } from '../logic/loops.js';
import type { Keyset } from './keyset.js';
import { ui } from './state.js';

export class Talk {
  readonly ptt: PttController;
  private gamepadTimer: number | undefined;
  private gamepadPressed = false;

  constructor(private readonly keyset: Keyset) {
    this.ptt = new PttController((active) => {
      ui.pttActive.value = active;
      this.apply();
    }, ui.settings.value.latch);
  }

  press(source: PttSource): void {
    this.keyset.output.resume();
    this.ptt.press(source);
  }

  release(source: PttSource): void {
    this.ptt.release(source);
  }

  /** Brings microphones and `talking` announcements of all backends in line with PTT and talk loops. */
  apply(): void {
    const lead = this.keyset.lead;
    const loops = talkLoops(ui.loops.value);
    const on = this.ptt.isActive && loops.length > 0 && lead?.ready === true;
    for (const b of this.keyset.backends) {
      const mine = on && b === lead;
      b.media?.setTransmit(mine);
      if (!b.ready || !b.socket?.isOpen) continue;
      // Only loops the socket has really switched to talk: the server refuses `talking` otherwise.
      const wanted = mine ? loops.filter((l) => b.sent[l] === 'send') : [];
      const { start, stop } = talkingDiff(wanted, b.talking);
      for (const loop of stop) {
        b.talking.delete(loop);
        if (b.sent[loop] === 'send') void b.socket.request('talking', { loop, state: false }).catch(() => {});
      }
      for (const loop of start) {
        b.talking.add(loop);
        void b.socket.request('talking', { loop, state: true }).catch(() => b.talking.delete(loop));
      }
    }
    ui.transmitting.value = on;
  }

  /** Keyboard, middle mouse button, focus loss; returns the cleanup. */
  bindInputs(): () => void {
    const isPttKey = (e: KeyboardEvent) => e.code === ui.settings.value.pttKey && ui.phase.value === 'keyset' && !isTypingTarget(e.target as HTMLElement | null);
    const down = (e: KeyboardEvent) => {
      if (!isPttKey(e) || e.ctrlKey || e.altKey || e.metaKey) return;
      e.preventDefault(); // space would otherwise press the focused tile or scroll
      this.press('key');
    };
    const up = (e: KeyboardEvent) => {
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
    const blur = () => this.ptt.releaseAll();
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
