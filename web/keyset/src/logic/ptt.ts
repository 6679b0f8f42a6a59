// Push-to-talk: several inputs (on-screen button, keyboard, middle mouse, touch, gamepad) drive one
// "transmitting" flag. Momentary: on while any input is held. Latch: each press toggles.
export type PttSource = 'button' | 'key' | 'mouse' | 'touch' | 'gamepad';

export class PttController {
  private readonly held = new Set<PttSource>();
  private latched = false;
  private active = false;

  constructor(
    private readonly onChange: (active: boolean) => void,
    private latch = false,
  ) {}

  get isActive(): boolean {
    return this.active;
  }

  get latchMode(): boolean {
    return this.latch;
  }

  press(source: PttSource): void {
    if (this.held.has(source)) return; // key auto-repeat and duplicate pointer events
    this.held.add(source);
    if (this.latch) this.latched = !this.latched;
    this.update();
  }

  release(source: PttSource): void {
    if (!this.held.delete(source)) return;
    this.update();
  }

  /** Window blur, page hidden, disconnect: a stuck momentary PTT must not keep the mic open. */
  releaseAll(): void {
    this.held.clear();
    this.update();
  }

  /** Turns transmission off whatever the mode (e.g. logout, lost talk permission). */
  stop(): void {
    this.held.clear();
    this.latched = false;
    this.update();
  }

  setLatch(latch: boolean): void {
    this.latch = latch;
    this.latched = false;
    this.update();
  }

  private update(): void {
    const next = this.latch ? this.latched : this.held.size > 0;
    if (next === this.active) return;
    this.active = next;
    this.onChange(next);
  }
}

/** Keyboard PTT must not fire while the operator types into a field. */
export function isTypingTarget(target: { tagName?: string; isContentEditable?: boolean; type?: string } | null): boolean {
  if (!target) return false;
  if (target.isContentEditable) return true;
  const tag = (target.tagName ?? '').toUpperCase();
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  // Range sliders and checkboxes do not take text: PTT stays usable while they have focus.
  return !['range', 'checkbox', 'radio', 'button', 'submit'].includes((target.type ?? 'text').toLowerCase());
}

/** Edges of a polled gamepad button: what to tell the controller since the last poll. */
export function gamepadEdge(wasPressed: boolean, isPressed: boolean): 'press' | 'release' | undefined {
  if (isPressed && !wasPressed) return 'press';
  if (!isPressed && wasPressed) return 'release';
  return undefined;
}

/** A human-readable name for a KeyboardEvent.code ("Space", "KeyT" → "T", "F13"). */
export function keyLabel(code: string): string {
  if (code.startsWith('Key')) return code.slice(3);
  if (code.startsWith('Digit')) return code.slice(5);
  return code;
}

/** `talking` messages a socket needs: start on wanted loops it has not announced, stop on the rest. */
export function talkingDiff(wanted: readonly string[], announced: ReadonlySet<string>): { start: string[]; stop: string[] } {
  return { start: wanted.filter((l) => !announced.has(l)), stop: [...announced].filter((l) => !wanted.includes(l)) };
}
