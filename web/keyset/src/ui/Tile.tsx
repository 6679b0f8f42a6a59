// One loop tile: name, permission, state (icon + text + colour), participants, talkers, voice activity,
// volume. The big button cycles the state; the small one switches the loop off.
import type { JSX } from 'preact';
import { stateLabel, talkersOf } from '../logic/loops.js';
import type { LoopView } from '../logic/types.js';
import { Icon, type IconName } from './icons.js';

export interface TileProps {
  loop: LoopView;
  focusable: boolean;
  index: number;
  onToggle: () => void;
  onOff: () => void;
  onVolume: (volume: number) => void;
  onFocus: () => void;
  onReplay: () => void;
}

const stateIcon: Record<LoopView['state'], IconName> = { none: 'off', recv: 'headphones', send: 'mic' };

export function Tile({ loop, focusable, index, onToggle, onOff, onVolume, onFocus, onReplay }: TileProps): JSX.Element {
  const talkers = talkersOf(loop);
  const talkerText = talkers.map((t) => (t.role ? `${t.user} (${t.role})` : t.user)).join(', ');
  const joined = loop.state !== 'none';
  const next = loop.state === 'none' ? 'monitor' : loop.state === 'recv' && loop.permission === 'send' ? 'talk' : loop.state === 'send' ? 'monitor' : 'off';
  const label = `${loop.name}: ${stateLabel(loop.state)}, ${loop.permission === 'send' ? 'talk allowed' : 'monitor only'}, ${loop.participants.length} participants${talkers.length ? `, talking: ${talkerText}` : ''}. Activate to ${next}.`;
  return (
    <div
      class={`tile state-${loop.state} ${loop.vad || talkers.length ? 'active' : ''}`}
      data-loop={loop.id}
      data-state={loop.state}
      data-participants={loop.participants.length}
      data-talkers={talkers.map((t) => t.user).join(',')}
      data-volume={loop.volume}
      data-recorded={loop.recorded ? 'true' : 'false'}
      role="group"
      aria-label={loop.name}
    >
      <button class="tile-main" tabIndex={focusable ? 0 : -1} data-index={index} aria-label={label} onClick={onToggle} onFocus={onFocus}>
        <span class="tile-head">
          <span class="tile-name">{loop.name}</span>
          {loop.recorded && (
            <span class="rec" title="This loop is recorded">
              REC
            </span>
          )}
          <span class={`perm perm-${loop.permission}`}>
            <Icon name={loop.permission === 'send' ? 'mic' : 'lock'} size={13} />
            {loop.permission === 'send' ? 'Talk' : 'Monitor only'}
          </span>
        </span>
        <span class="tile-state">
          <Icon name={stateIcon[loop.state]} size={22} />
          <span class="state-text">{stateLabel(loop.state)}</span>
          <span class="participants" title="Participants">
            <Icon name="users" size={16} />
            {loop.participants.length}
          </span>
        </span>
        <span class="tile-talkers">
          <span class={`vad ${loop.vad ? 'on' : ''}`} aria-hidden="true">
            <Icon name="wave" size={16} />
          </span>
          <span class="talker-text">{talkers.length ? talkerText : loop.vad ? 'Voice activity' : 'Quiet'}</span>
        </span>
      </button>
      <div class="tile-foot">
        <Icon name="speaker" size={16} />
        <input
          type="range"
          min={0}
          max={100}
          step={1}
          value={loop.volume}
          disabled={!joined}
          aria-label={`${loop.name} volume`}
          onInput={(e) => onVolume(Number((e.target as HTMLInputElement).value))}
        />
        <span class="volume-value">{loop.volume}</span>
        {loop.recorded && (
          <button
            class={`tile-replay ${loop.replaying ? 'on' : ''}`}
            aria-label={`Replay the last call on ${loop.name}`}
            aria-pressed={loop.replaying ? 'true' : 'false'}
            title="Say again: replay the last call"
            tabIndex={focusable ? 0 : -1}
            onClick={onReplay}
          >
            <Icon name="replay" size={16} />
          </button>
        )}
        <button class="tile-off" disabled={!joined} aria-label={`Switch ${loop.name} off`} title="Switch off" tabIndex={focusable ? 0 : -1} onClick={onOff}>
          <Icon name="off" size={16} />
        </button>
      </div>
    </div>
  );
}
