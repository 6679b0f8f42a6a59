// Settings drawer: audio devices with input meter and test tone, PTT key and modes, loop hotkeys, theme, backends.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Keyset } from '../app/keyset.js';
import { ui } from '../app/state.js';
import { AudioOutput } from '../audio/output.js';
import { keyLabel } from '../logic/ptt.js';
import { HotkeySettings } from './HotkeySettings.js';
import { Icon } from './icons.js';
import { MicState } from './Header.js';

function useDevices(): MediaDeviceInfo[] {
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  useEffect(() => {
    const load = () => void navigator.mediaDevices.enumerateDevices().then(setDevices).catch(() => {});
    load();
    navigator.mediaDevices.addEventListener('devicechange', load);
    return () => navigator.mediaDevices.removeEventListener('devicechange', load);
  }, []);
  return devices;
}

function DeviceSelect({ kind, value, label, onChange }: { kind: MediaDeviceKind; value: string; label: string; onChange: (id: string) => void }): JSX.Element {
  const devices = useDevices().filter((d) => d.kind === kind);
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
        <option value="">System default</option>
        {devices.filter((d) => d.deviceId && d.deviceId !== 'default').map((d, i) => (
          <option key={d.deviceId} value={d.deviceId}>
            {d.label || `${kind === 'audioinput' ? 'Microphone' : 'Speaker'} ${i + 1}`}
          </option>
        ))}
      </select>
    </label>
  );
}

export function Settings({ keyset }: { keyset: Keyset }): JSX.Element | null {
  const [capturing, setCapturing] = useState(false);
  const s = ui.settings.value;
  useEffect(() => {
    if (!capturing) return;
    const capture = (e: KeyboardEvent) => {
      e.preventDefault();
      e.stopPropagation();
      // A hotkey on the new PTT key would fight it: that binding goes.
      if (e.code !== 'Escape') keyset.updateSettings({ pttKey: e.code, hotkeys: ui.settings.value.hotkeys.filter((h) => h.code !== e.code) });
      setCapturing(false);
    };
    window.addEventListener('keydown', capture, { capture: true, once: true });
    return () => window.removeEventListener('keydown', capture, { capture: true });
  }, [capturing]);
  if (!ui.settingsOpen.value) return null;
  const close = () => (ui.settingsOpen.value = false);
  return (
    <div class="drawer" role="dialog" aria-modal="false" aria-labelledby="settings-title" onKeyDown={(e) => e.key === 'Escape' && !capturing && close()}>
      <div class="drawer-head">
        <h2 id="settings-title">Settings</h2>
        <button class="icon-button" aria-label="Close settings" onClick={close} autoFocus>
          <Icon name="close" size={20} />
        </button>
      </div>
      <section>
        <h3>Audio</h3>
        <DeviceSelect kind="audioinput" label="Microphone" value={s.micId} onChange={(micId) => keyset.updateSettings({ micId })} />
        <MicState />
        {AudioOutput.canSelectSpeaker ? (
          <DeviceSelect kind="audiooutput" label="Speaker" value={s.speakerId} onChange={(speakerId) => keyset.updateSettings({ speakerId })} />
        ) : (
          <p class="muted">This browser plays through the system's default speaker.</p>
        )}
        <button class="secondary" onClick={() => void keyset.output.testTone()}>
          Play test tone
        </button>
      </section>
      <section>
        <h3>Push-to-talk</h3>
        <div class="row">
          <span>Key</span>
          <button class="secondary" aria-live="polite" onClick={() => setCapturing(true)}>
            {capturing ? 'Press a key… (Esc cancels)' : keyLabel(s.pttKey)}
          </button>
        </div>
        <label class="check">
          <input type="checkbox" checked={s.latch} onChange={(e) => keyset.updateSettings({ latch: (e.target as HTMLInputElement).checked })} />
          Latch mode (press to start, press again to stop)
        </label>
        <label class="check">
          <input type="checkbox" checked={s.multiTalk} onChange={(e) => keyset.updateSettings({ multiTalk: (e.target as HTMLInputElement).checked })} />
          Allow talking on several loops at once
        </label>
        <p class="muted">Also: middle mouse button, touch, any gamepad button.</p>
      </section>
      <HotkeySettings keyset={keyset} />
      <section>
        <h3>Appearance</h3>
        <div class="segmented" role="radiogroup" aria-label="Theme">
          {(['dark', 'light'] as const).map((t) => (
            <button key={t} role="radio" aria-checked={s.theme === t} class={s.theme === t ? 'selected' : ''} onClick={() => keyset.updateSettings({ theme: t })}>
              {t === 'dark' ? 'Dark' : 'Light'}
            </button>
          ))}
        </div>
      </section>
      <section>
        <h3>Backends</h3>
        <ul class="backend-list">
          {ui.backends.value.map((b) => (
            <li key={b.url} data-backend={b.url}>
              <span class={`dot status-${b.status === 'ready' ? 'ok' : 'down'}`} aria-hidden="true" />
              <span class="backend-url">{b.url}</span>
              <span class="muted">{b.lead ? 'lead' : b.status}</span>
              {!b.lead && b.status === 'ready' && (
                <button class="secondary small" onClick={() => keyset.updateSettings({ preferredLead: b.url })}>
                  Make lead
                </button>
              )}
            </li>
          ))}
        </ul>
        {s.preferredLead && (
          <button class="ghost small" onClick={() => keyset.updateSettings({ preferredLead: '' })}>
            Automatic lead choice
          </button>
        )}
      </section>
    </div>
  );
}
