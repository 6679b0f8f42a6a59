// Top bar: identity, connection health, audio quality, microphone state, settings and logout.
import type { JSX } from 'preact';
import type { Keyset } from '../app/keyset.js';
import { ui } from '../app/state.js';
import { meterFraction } from '../audio/meter.js';
import { Icon } from './icons.js';
import { QualityBadge, StatusPill } from './Status.js';

export function MicState(): JSX.Element {
  const on = ui.transmitting.value;
  const error = ui.micError.value;
  const label = error ? 'No microphone' : on ? 'On air' : 'Mic muted';
  return (
    <div class={`mic-state ${on ? 'on' : ''} ${error ? 'error' : ''}`} role="status" aria-label={`Microphone: ${label}`} title={error || label} data-transmitting={String(on)}>
      <Icon name="mic" />
      <span class="mic-text">{label}</span>
      <span class="meter" aria-hidden="true">
        <span class="meter-fill" style={{ width: `${Math.round(meterFraction(ui.micLevel.value) * 100)}%` }} />
      </span>
    </div>
  );
}

export function Header({ keyset }: { keyset: Keyset }): JSX.Element {
  const roleName = ui.roles.value.find((r) => r.id === ui.role.value)?.name ?? ui.role.value;
  return (
    <header class="topbar">
      <div class="brand">
        <img src="/icon.svg" alt="" width={28} height={28} />
        <span class="brand-name">Loopcast</span>
        <span class="identity" data-testid="identity">
          <strong>{ui.user.value}</strong>
          {roleName && ui.roles.value.length < 2 && <span class="muted"> · {roleName}</span>}
        </span>
        {ui.roles.value.length > 1 && (
          <select class="role-switch" aria-label="Role" value={ui.role.value} onChange={(e) => keyset.switchRole((e.target as HTMLSelectElement).value)}>
            {ui.roles.value.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
        )}
      </div>
      <div class="topbar-center">
        <StatusPill />
        <QualityBadge />
      </div>
      <div class="topbar-right">
        <MicState />
        <button class="icon-button" aria-label="Settings" aria-expanded={ui.settingsOpen.value} onClick={() => (ui.settingsOpen.value = !ui.settingsOpen.value)}>
          <Icon name="gear" size={20} />
        </button>
        <button class="icon-button" aria-label="Log out" title="Log out" onClick={() => void keyset.logout()}>
          <Icon name="logout" size={20} />
        </button>
      </div>
    </header>
  );
}
