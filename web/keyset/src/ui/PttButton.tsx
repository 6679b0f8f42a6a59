// The on-screen push-to-talk button: hold with mouse, pen or finger (pointer events cover touch).
import type { JSX } from 'preact';
import type { Keyset } from '../app/keyset.js';
import { ui } from '../app/state.js';
import { keyLabel } from '../logic/ptt.js';
import { talkLoops } from '../logic/loops.js';
import { Icon } from './icons.js';

export function PttButton({ keyset }: { keyset: Keyset }): JSX.Element {
  const talk = keyset.talk;
  const hasTalkLoop = talkLoops(ui.loops.value).length > 0;
  const onAir = ui.transmitting.value;
  const latch = ui.settings.value.latch;
  const hint = !hasTalkLoop ? 'Select a talk loop first' : `${latch ? 'Press' : 'Hold'} ${keyLabel(ui.settings.value.pttKey)} or this button`;
  const down = (e: PointerEvent) => {
    if (e.button !== 0) return; // middle button is handled globally
    (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
    talk.press(e.pointerType === 'touch' ? 'touch' : 'button');
  };
  const up = (e: PointerEvent) => talk.release(e.pointerType === 'touch' ? 'touch' : 'button');
  const key = (e: KeyboardEvent, pressed: boolean) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    if (pressed && !e.repeat) talk.press('button');
    else if (!pressed) talk.release('button');
  };
  return (
    <button
      class={`ptt ${onAir ? 'on-air' : ''} ${ui.pttActive.value && !onAir ? 'pressed' : ''}`}
      aria-pressed={ui.pttActive.value}
      aria-label={`Push to talk. ${onAir ? 'On air.' : ''} ${hint}`}
      data-testid="ptt"
      onPointerDown={down}
      onPointerUp={up}
      onPointerCancel={up}
      onContextMenu={(e) => e.preventDefault()}
      onKeyDown={(e) => key(e, true)}
      onKeyUp={(e) => key(e, false)}
    >
      <Icon name="mic" size={26} />
      <span class="ptt-text">
        <span class="ptt-title">{onAir ? 'ON AIR' : latch ? 'Talk (latch)' : 'Push to talk'}</span>
        <span class="ptt-hint">{hint}</span>
      </span>
    </button>
  );
}
