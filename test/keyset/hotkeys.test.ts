// Per-key hotkeys (pure logic): what is stored, what may be bound, and what a keydown does.
import { describe, expect, it } from 'vitest';
import { assignHotkey, hotkeyAction, hotkeyFor, hotkeyProblem, parseHotkeys, removeHotkey, type Hotkey, type KeyEventLike } from '../../web/keyset/src/logic/hotkeys.js';
import { DEFAULT_SETTINGS, loadSettings, saveSettings, type KeyValueStore } from '../../web/keyset/src/logic/storage.js';

const key = (code: string, over: Partial<KeyEventLike> = {}): KeyEventLike => ({ code, repeat: false, ctrlKey: false, altKey: false, metaKey: false, target: { tagName: 'BODY' }, ...over });
const LOOPS = { flight: { permission: 'send' as const }, ops: { permission: 'recv' as const } };
const BOUND: Hotkey[] = [
  { code: 'KeyF', loop: 'flight', action: 'talk' },
  { code: 'KeyO', loop: 'ops', action: 'listen' },
  { code: 'KeyP', loop: 'ops', action: 'talk' },
  { code: 'KeyG', loop: 'gone', action: 'listen' },
];

function memoryStore(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
}

describe('hotkeys', () => {
  it('a keydown on a bound key names the loop and action; talk on a monitor-only or unknown loop does nothing', () => {
    expect(hotkeyAction(key('KeyF'), BOUND, LOOPS)).toEqual({ code: 'KeyF', loop: 'flight', action: 'talk' });
    expect(hotkeyAction(key('KeyO'), BOUND, LOOPS)).toEqual({ code: 'KeyO', loop: 'ops', action: 'listen' });
    expect(hotkeyAction(key('KeyP'), BOUND, LOOPS)).toBeUndefined(); // ops is monitor only
    expect(hotkeyAction(key('KeyG'), BOUND, LOOPS)).toBeUndefined(); // the role no longer has the loop
    expect(hotkeyAction(key('KeyZ'), BOUND, LOOPS)).toBeUndefined();
  });

  it('the typing guard, modifiers and auto-repeat keep a hotkey from firing', () => {
    expect(hotkeyAction(key('KeyF', { target: { tagName: 'INPUT', type: 'text' } }), BOUND, LOOPS)).toBeUndefined();
    expect(hotkeyAction(key('KeyF', { target: { tagName: 'TEXTAREA' } }), BOUND, LOOPS)).toBeUndefined();
    expect(hotkeyAction(key('KeyF', { target: { tagName: 'DIV', isContentEditable: true } }), BOUND, LOOPS)).toBeUndefined();
    expect(hotkeyAction(key('KeyF', { target: { tagName: 'INPUT', type: 'range' } }), BOUND, LOOPS)).toBeDefined(); // a volume slider takes no text
    for (const mod of ['ctrlKey', 'altKey', 'metaKey', 'repeat'] as const) expect(hotkeyAction(key('KeyF', { [mod]: true }), BOUND, LOOPS), mod).toBeUndefined();
  });

  it('one key does one thing: assigning moves the key and replaces the loop’s previous key for that action', () => {
    let list: Hotkey[] = [];
    list = assignHotkey(list, { code: 'F1', loop: 'flight', action: 'talk' }, 'Space').list;
    list = assignHotkey(list, { code: 'F2', loop: 'flight', action: 'listen' }, 'Space').list;
    list = assignHotkey(list, { code: 'F1', loop: 'ops', action: 'listen' }, 'Space').list; // F1 moves to ops
    expect(hotkeyFor(list, 'flight', 'talk')).toBeUndefined();
    expect(hotkeyFor(list, 'ops', 'listen')?.code).toBe('F1');
    list = assignHotkey(list, { code: 'F3', loop: 'ops', action: 'listen' }, 'Space').list; // ops' listen key changes
    expect(list).toEqual([
      { code: 'F2', loop: 'flight', action: 'listen' },
      { code: 'F3', loop: 'ops', action: 'listen' },
    ]);
    expect(removeHotkey(list, 'ops', 'listen')).toEqual([{ code: 'F2', loop: 'flight', action: 'listen' }]);
  });

  it('refuses the push-to-talk key, the keys the keyset needs and bare modifiers, leaving the list unchanged', () => {
    const list: Hotkey[] = [{ code: 'F2', loop: 'flight', action: 'listen' }];
    for (const code of ['Space', 'Tab', 'Escape', 'Enter', 'ArrowLeft', 'Home', 'ShiftLeft', 'ControlRight', 'CapsLock']) {
      const result = assignHotkey(list, { code, loop: 'flight', action: 'talk' }, 'Space');
      expect(result.problem, code).toBeTruthy();
      expect(result.list).toEqual(list);
    }
    expect(hotkeyProblem('KeyT', 'KeyT')).toMatch(/push-to-talk/);
    expect(hotkeyProblem('KeyT', 'Space')).toBeUndefined();
  });

  it('stored hotkeys survive a reload; hostile or stale storage is cleaned', () => {
    const store = memoryStore();
    const hotkeys: Hotkey[] = [{ code: 'F1', loop: 'flight', action: 'talk' }];
    saveSettings(store, { ...DEFAULT_SETTINGS, hotkeys });
    expect(loadSettings(store).hotkeys).toEqual(hotkeys);

    expect(parseHotkeys('F1')).toEqual([]);
    expect(
      parseHotkeys([
        { code: 'F1', loop: 'flight', action: 'talk' },
        { code: 'F1', loop: 'ops', action: 'listen' }, // the later binding of F1 wins
        { code: 'Tab', loop: 'ops', action: 'listen' },
        { code: 'F4', loop: 'ops', action: 'shout' },
        { code: 4, loop: 'ops', action: 'listen' },
        null,
        { code: '', loop: 'ops', action: 'listen' },
      ]),
    ).toEqual([{ code: 'F1', loop: 'ops', action: 'listen' }]);
    expect(parseHotkeys(Array.from({ length: 1000 }, (_, i) => ({ code: `Key${i}`, loop: `l${i}`, action: 'listen' }))).length).toBe(128);
    // A stored hotkey on the PTT key is dropped when read.
    store.setItem('loopcast.keyset.settings', JSON.stringify({ pttKey: 'KeyT', hotkeys: [{ code: 'KeyT', loop: 'flight', action: 'talk' }] }));
    expect(loadSettings(store).hotkeys).toEqual([]);
  });
});
