// One loop key, dense as on a professional panel: name, separate listen and talk targets (no click cycle),
// activity meter and current talker (display name · role name), participants on demand, volume by slider,
// mouse wheel or keyboard, replay when the loop is recorded. Holding the talk target talks on this loop alone.
import type { JSX } from 'preact';
import { useRef, useState } from 'preact/hooks';
import type { Keyset } from '../app/keyset.js';
import { ui } from '../app/state.js';
import { hotkeyFor } from '../logic/hotkeys.js';
import { listenTarget, talkerLabel, talkTarget } from '../logic/live.js';
import { keyLabel } from '../logic/ptt.js';
import { stateLabel, talkersOf } from '../logic/loops.js';
import type { LoopView } from '../logic/types.js';
import { Icon } from './icons.js';

/** Holding the talk target this long is momentary talk; a shorter press selects or deselects talk. */
const HOLD_MS = 350;

export interface KeyProps {
  keyset: Keyset;
  loop: LoopView;
  focusable: boolean;
  index: number;
  onFocus: () => void;
}

export function Key({ keyset, loop, focusable, index, onFocus }: KeyProps): JSX.Element {
  const [showParticipants, setShowParticipants] = useState(false);
  const holdTimer = useRef<number | undefined>(undefined);
  const holding = useRef(false);
  const stale = ui.stale.value;
  const names = ui.names.value;
  const talkers = stale ? [] : talkersOf(loop);
  const talkerText = talkers.map((t) => talkerLabel(t, names)).join(', ');
  const active = !stale && (loop.vad || talkers.length > 0);
  const canTalk = loop.permission === 'send';
  const listening = loop.state !== 'none';
  const talking = loop.state === 'send';
  const tab = focusable ? 0 : -1;
  const listenHotkey = hotkeyFor(ui.settings.value.hotkeys, loop.id, 'listen');
  const talkHotkey = canTalk ? hotkeyFor(ui.settings.value.hotkeys, loop.id, 'talk') : undefined;
  const setVolume = (v: number) => keyset.loops.setVolume(loop.id, Math.max(0, Math.min(100, Math.round(v))));

  const talkDown = (e: PointerEvent) => {
    if (e.button !== 0 || !canTalk) return;
    (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
    holding.current = false;
    holdTimer.current = window.setTimeout(() => {
      holding.current = true;
      keyset.talk.holdKey(loop.id);
    }, HOLD_MS);
  };
  const talkUp = () => {
    window.clearTimeout(holdTimer.current);
    if (holding.current) {
      holding.current = false;
      keyset.talk.releaseKey();
      return;
    }
    const target = talkTarget(loop);
    if (target) keyset.loops.switchTo(loop.id, target);
  };
  const talkKey = (e: KeyboardEvent) => {
    if (e.key !== 'Enter' || e.repeat) return;
    e.preventDefault();
    const target = talkTarget(loop);
    if (target) keyset.loops.switchTo(loop.id, target);
  };

  return (
    <div
      class={`tile key state-${loop.state} ${active ? 'active' : ''} ${stale ? 'stale' : ''}`}
      data-loop={loop.id}
      data-state={loop.state}
      data-participants={loop.participants.length}
      data-talkers={talkers.map((t) => t.user).join(',')}
      data-volume={loop.volume}
      data-recorded={loop.recorded ? 'true' : 'false'}
      role="group"
      aria-label={`${loop.name}: ${stateLabel(loop.state)}${talkers.length ? `, talking: ${talkerText}` : ''}`}
      onWheel={(e) => {
        if (!listening) return;
        e.preventDefault();
        setVolume(loop.volume + (e.deltaY < 0 ? 5 : -5));
      }}
    >
      <div class="key-head">
        <span class="key-name" title={loop.name}>
          {loop.name}
        </span>
        {loop.recorded && (
          <span class="rec" title="This loop is recorded">
            REC
          </span>
        )}
        <button
          class="key-people"
          tabIndex={tab}
          aria-expanded={showParticipants}
          aria-label={`${loop.name}: ${loop.participants.length} participants${showParticipants ? '' : ', show'}`}
          onClick={() => setShowParticipants(!showParticipants)}
        >
          <Icon name="users" size={13} />
          {stale ? '—' : loop.participants.length}
        </button>
      </div>
      <div class="key-activity">
        <span class={`key-meter ${active ? 'on' : ''}`} aria-hidden="true">
          <span />
        </span>
        <span class="key-talker">{stale ? 'No connection' : talkers.length ? talkerText : loop.vad ? 'Voice activity' : ''}</span>
      </div>
      <div class="key-targets">
        <button
          class={`key-listen ${listening ? 'on' : ''}`}
          data-index={index}
          tabIndex={tab}
          aria-pressed={listening}
          aria-label={`Listen to ${loop.name}`}
          aria-keyshortcuts={listenHotkey ? keyLabel(listenHotkey.code) : undefined}
          onFocus={onFocus}
          onClick={() => keyset.loops.switchTo(loop.id, listenTarget(loop))}
        >
          <Icon name="headphones" size={16} />
          <span>{listening ? 'Listen' : 'Off'}</span>
          {listenHotkey && <kbd class="key-hotkey">{keyLabel(listenHotkey.code)}</kbd>}
        </button>
        <button
          class={`key-talk ${talking ? 'on' : ''}`}
          tabIndex={tab}
          disabled={!canTalk}
          aria-pressed={talking}
          aria-label={canTalk ? `Talk on ${loop.name} (hold to talk on this loop only)` : `${loop.name} is monitor only`}
          aria-keyshortcuts={talkHotkey ? keyLabel(talkHotkey.code) : undefined}
          onPointerDown={talkDown}
          onPointerUp={talkUp}
          onPointerCancel={() => {
            window.clearTimeout(holdTimer.current);
            if (holding.current) keyset.talk.releaseKey();
            holding.current = false;
          }}
          onKeyDown={talkKey}
          onContextMenu={(e) => e.preventDefault()}
        >
          <Icon name={canTalk ? 'mic' : 'lock'} size={16} />
          <span>{canTalk ? 'Talk' : 'Monitor only'}</span>
          {talkHotkey && <kbd class="key-hotkey">{keyLabel(talkHotkey.code)}</kbd>}
        </button>
      </div>
      <div class="key-foot">
        <input
          type="range"
          min={0}
          max={100}
          step={1}
          value={loop.volume}
          disabled={!listening}
          tabIndex={tab}
          aria-label={`${loop.name} volume`}
          onInput={(e) => setVolume(Number((e.target as HTMLInputElement).value))}
        />
        <span class="volume-value" aria-hidden="true">
          {loop.volume}
        </span>
        {loop.recorded && (
          <button
            class={`tile-replay ${loop.replaying ? 'on' : ''}`}
            aria-label={`Replay the last call on ${loop.name}`}
            aria-pressed={loop.replaying ? 'true' : 'false'}
            title="Say again: replay the last call"
            tabIndex={tab}
            onClick={() => keyset.loops.replay(loop.id)}
          >
            <Icon name="replay" size={14} />
          </button>
        )}
      </div>
      {showParticipants && (
        <ul class="key-participants" aria-label={`Participants of ${loop.name}`}>
          {loop.participants.map((p) => (
            <li key={p.client}>{talkerLabel(p, names)}</li>
          ))}
          {loop.participants.length === 0 && <li class="muted">Nobody</li>}
        </ul>
      )}
    </div>
  );
}
