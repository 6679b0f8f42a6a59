// Periodic readings for the UI: microphone level (10 Hz), the lead's audio quality from getStats (every
// 2 s), and a clock tick for reconnect countdowns.
import { signal } from '@preact/signals';
import { assessQuality, type StatsSample } from '../logic/quality.js';
import type { Keyset } from './keyset.js';
import { ui } from './state.js';

export const now = signal(Date.now());

export function startHealth(keyset: Keyset): () => void {
  let previous: StatsSample | undefined;
  let previousLead: string | undefined;
  const level = window.setInterval(() => {
    now.value = Date.now();
    const db = ui.phase.value === 'keyset' ? (keyset.mic.meter?.levelDb() ?? -100) : -100;
    if (Math.abs(db - ui.micLevel.value) > 0.5) ui.micLevel.value = db;
  }, 100);
  const stats = window.setInterval(() => {
    const lead = keyset.lead;
    if (lead?.url !== previousLead) previous = undefined; // counters restart with a new session
    previousLead = lead?.url;
    void lead?.media?.stats().then((sample) => {
      if (!sample) {
        ui.quality.value = undefined;
        return;
      }
      ui.quality.value = assessQuality(previous, sample);
      previous = sample;
    });
  }, 2000);
  return () => {
    window.clearInterval(level);
    window.clearInterval(stats);
  };
}
