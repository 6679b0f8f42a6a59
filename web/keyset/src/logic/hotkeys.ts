// Per-key hotkeys (pure): a keyboard key bound to one loop's talk (momentary, as holding the key's talk target)
// or listen (toggle). Kept in the settings; validated when read, since storage may hold anything.
import { isTypingTarget } from './ptt.js';
import { isJsonObject, type LoopView } from './types.js';

export type HotkeyAction = 'talk' | 'listen';

export interface Hotkey {
  /** KeyboardEvent.code */
  code: string;
  loop: string;
  action: HotkeyAction;
}

/** Keys the keyset itself needs: focus (Tab), cancel (Escape), activate (Enter), grid navigation. */
const RESERVED = new Set(['Tab', 'Escape', 'Enter', 'NumpadEnter', 'ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight', 'Home', 'End', 'Backspace', 'Delete']);
/** Modifiers never act alone: they are held with other shortcuts. */
const MODIFIER = /^(Shift|Control|Alt|Meta|OS)(Left|Right)?$|^(CapsLock|NumLock|ScrollLock|Fn|FnLock|ContextMenu)$/;
const MAX_HOTKEYS = 128;

/** The stored list, cleaned: well-formed entries only, one per key code and one per loop and action. */
export function parseHotkeys(raw: unknown): Hotkey[] {
  if (!Array.isArray(raw)) return [];
  let out: Hotkey[] = [];
  for (const item of raw.slice(0, MAX_HOTKEYS)) {
    if (!isJsonObject(item) || typeof item.code !== 'string' || typeof item.loop !== 'string') continue;
    if (item.action !== 'talk' && item.action !== 'listen') continue;
    if (item.code === '' || item.loop === '' || RESERVED.has(item.code) || MODIFIER.test(item.code)) continue;
    const hotkey: Hotkey = { code: item.code, loop: item.loop, action: item.action };
    out = out.filter((h) => h.code !== hotkey.code && !(h.loop === hotkey.loop && h.action === hotkey.action));
    out.push(hotkey);
  }
  return out;
}

/** Why a key cannot be a hotkey; undefined when it can. */
export function hotkeyProblem(code: string, pttKey: string): string | undefined {
  if (code === pttKey) return 'That is the push-to-talk key.';
  if (RESERVED.has(code)) return 'The keyset needs that key (focus, cancel, navigation).';
  if (MODIFIER.test(code)) return 'Modifier keys cannot be hotkeys.';
  return undefined;
}

/**
 * Binds `code` to a loop's action. A key does one thing: its previous binding goes, as does the loop's previous
 * key for the same action. Refused (list unchanged, with the reason) for the PTT key and reserved keys.
 */
export function assignHotkey(list: readonly Hotkey[], hotkey: Hotkey, pttKey: string): { list: Hotkey[]; problem?: string } {
  const problem = hotkeyProblem(hotkey.code, pttKey);
  if (problem) return { list: [...list], problem };
  const rest = list.filter((h) => h.code !== hotkey.code && !(h.loop === hotkey.loop && h.action === hotkey.action));
  return { list: [...rest, hotkey] };
}

export function removeHotkey(list: readonly Hotkey[], loop: string, action: HotkeyAction): Hotkey[] {
  return list.filter((h) => !(h.loop === loop && h.action === action));
}

export function hotkeyFor(list: readonly Hotkey[], loop: string, action: HotkeyAction): Hotkey | undefined {
  return list.find((h) => h.loop === loop && h.action === action);
}

export interface KeyEventLike {
  code: string;
  repeat: boolean;
  ctrlKey: boolean;
  altKey: boolean;
  metaKey: boolean;
  target: { tagName?: string; isContentEditable?: boolean; type?: string } | null;
}

/**
 * What a keydown means as a hotkey, or undefined: nothing while typing into a field, with Ctrl/Alt/Meta (browser
 * shortcuts stay intact), on auto-repeat, for a loop the role no longer has, or talk on a monitor-only loop.
 */
export function hotkeyAction(event: KeyEventLike, list: readonly Hotkey[], loops: Readonly<Record<string, Pick<LoopView, 'permission'>>>): Hotkey | undefined {
  if (event.repeat || event.ctrlKey || event.altKey || event.metaKey || isTypingTarget(event.target)) return undefined;
  const hotkey = list.find((h) => h.code === event.code);
  const loop = hotkey ? loops[hotkey.loop] : undefined;
  if (!hotkey || !loop) return undefined;
  if (hotkey.action === 'talk' && loop.permission !== 'send') return undefined;
  return hotkey;
}
