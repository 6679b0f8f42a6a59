// Settings → Loop hotkeys: bind a keyboard key to one loop's talk (held: talk on that loop only) or listen
// (toggle). Press the button, then the key; Backspace or Delete clears, Escape cancels. Stored with the settings.
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Keyset } from '../app/keyset.js';
import { ui } from '../app/state.js';
import { assignHotkey, hotkeyFor, removeHotkey, type HotkeyAction } from '../logic/hotkeys.js';
import { keyLabel } from '../logic/ptt.js';

type Target = { loop: string; action: HotkeyAction };

export function HotkeySettings({ keyset }: { keyset: Keyset }): JSX.Element {
  const [capturing, setCapturing] = useState<Target | undefined>(undefined);
  const [problem, setProblem] = useState('');
  const stopCapture = useRef<(() => void) | undefined>(undefined);
  useEffect(() => () => stopCapture.current?.(), []);
  const settings = ui.settings.value;
  // Listening starts in the click itself (not after a render), so the very next key is the one bound.
  const startCapture = (target: Target) => {
    stopCapture.current?.();
    // Capture phase on window: the key reaches neither PTT, the hotkeys nor the drawer's Escape.
    const capture = (e: KeyboardEvent) => {
      e.preventDefault();
      e.stopPropagation();
      stopCapture.current?.();
      setCapturing(undefined);
      const current = ui.settings.value;
      if (e.code === 'Escape') return;
      if (e.code === 'Backspace' || e.code === 'Delete') {
        keyset.updateSettings({ hotkeys: removeHotkey(current.hotkeys, target.loop, target.action) });
        setProblem('');
        return;
      }
      const { list, problem: refused } = assignHotkey(current.hotkeys, { code: e.code, ...target }, current.pttKey);
      setProblem(refused ? `${keyLabel(e.code)}: ${refused}` : '');
      if (!refused) keyset.updateSettings({ hotkeys: list });
    };
    window.addEventListener('keydown', capture, { capture: true });
    stopCapture.current = () => {
      window.removeEventListener('keydown', capture, { capture: true });
      stopCapture.current = undefined;
    };
    setCapturing(target);
  };
  const loops = Object.values(ui.loops.value).sort((a, b) => a.name.localeCompare(b.name));
  const button = (loop: { id: string; name: string }, action: HotkeyAction) => {
    const bound = hotkeyFor(settings.hotkeys, loop.id, action);
    const active = capturing?.loop === loop.id && capturing.action === action;
    const label = active ? 'Press a key…' : bound ? keyLabel(bound.code) : '—';
    return (
      <button
        class="secondary small hotkey-button"
        data-hotkey={`${loop.id}:${action}`}
        aria-label={`${action === 'talk' ? 'Talk' : 'Listen'} hotkey for ${loop.name}: ${active ? 'press a key, Escape cancels, Backspace clears' : bound ? keyLabel(bound.code) : 'none'}`}
        onClick={() => startCapture({ loop: loop.id, action })}
      >
        {label}
      </button>
    );
  };
  return (
    <section aria-labelledby="hotkeys-title">
      <h3 id="hotkeys-title">Loop hotkeys</h3>
      <p class="muted">Hold a talk key to talk on that loop only; a listen key switches listening on and off. Backspace clears a key, Esc cancels.</p>
      <table class="hotkeys">
        <thead>
          <tr>
            <th scope="col">Loop</th>
            <th scope="col">Talk</th>
            <th scope="col">Listen</th>
          </tr>
        </thead>
        <tbody>
          {loops.map((loop) => (
            <tr key={loop.id}>
              <th scope="row">{loop.name}</th>
              <td>{loop.permission === 'send' ? button(loop, 'talk') : <span class="muted">monitor only</span>}</td>
              <td>{button(loop, 'listen')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {problem && (
        <p class="hotkey-problem" role="alert">
          {problem}
        </p>
      )}
    </section>
  );
}
