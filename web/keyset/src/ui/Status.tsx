// Connection health: overall status pill (with reconnect countdown) and the audio quality badge.
import type { JSX } from 'preact';
import { now } from '../app/health.js';
import { ui, type BackendView } from '../app/state.js';
import { backendLabel } from '../logic/lead.js';

export interface Health {
  level: 'ok' | 'warn' | 'down';
  text: string;
  /** URL of the backend the microphone and the audio go through. */
  lead?: string;
}

export function overallHealth(backends: readonly BackendView[], at: number): Health {
  const ready = backends.filter((b) => b.status === 'ready');
  if (ready.length === 0) {
    const next = backends.map((b) => b.retryAt).filter((t): t is number => t !== undefined).sort()[0];
    const connecting = backends.some((b) => b.status === 'connecting');
    if (connecting) return { level: 'down', text: 'Connecting…' };
    return { level: 'down', text: next ? `Offline · retry in ${Math.max(1, Math.ceil((next - at) / 1000))} s` : 'Offline' };
  }
  const lead = backends.find((b) => b.lead);
  // With several backends, which one carries the microphone (it changes on a failover).
  const via = lead && backends.length > 1 ? { text: ` · via ${backendLabel(lead.url)}`, lead: lead.url } : { text: '' };
  const health = (level: Health['level'], text: string): Health => ({ level, text: text + via.text, ...(via.lead ? { lead: via.lead } : {}) });
  if (lead?.media !== 'ready') return health('warn', 'Connected · audio starting');
  if (ready.length < backends.length) return health('warn', `Connected · ${ready.length}/${backends.length} backends`);
  return health('ok', 'Connected');
}

export function StatusPill(): JSX.Element {
  const health = overallHealth(ui.backends.value, now.value);
  return (
    <div class={`pill status-${health.level}`} role="status" aria-live="polite" data-health={health.level} data-lead={health.lead}>
      <span class="dot" aria-hidden="true" />
      {health.text}
    </div>
  );
}

export function QualityBadge(): JSX.Element | null {
  const q = ui.quality.value;
  if (!q || ui.stale.value) {
    // No measurement (or an outage): say so instead of a stale grade.
    return ui.phase.value === 'keyset' ? <div class="quality" data-grade="none" title="Audio quality: no measurement" aria-label="Audio quality: no measurement" role="img">—</div> : null;
  }
  const detail = `loss ${q.lossPercent.toFixed(1)} %, jitter ${q.jitterMs?.toFixed(0) ?? '–'} ms, RTT ${q.rttMs?.toFixed(0) ?? '–'} ms`;
  const bars = q.grade === 'good' ? 3 : q.grade === 'fair' ? 2 : 1;
  return (
    <div class={`quality grade-${q.grade}`} data-grade={q.grade} title={`Audio ${q.grade}: ${detail}`} aria-label={`Audio quality ${q.grade}: ${detail}`} role="img">
      {[1, 2, 3].map((i) => (
        <span key={i} class={i <= bars ? 'bar on' : 'bar'} style={{ height: `${4 + i * 4}px` }} />
      ))}
      <span class="quality-text">{q.grade}</span>
    </div>
  );
}
