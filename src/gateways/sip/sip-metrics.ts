// Prometheus view of the SIP gateway: how many outbound registrations are in each state (alert when
// `failing` stays above 0: the PBX cannot route numbers to the gateway).
import { Gauge, type Registry } from 'prom-client';
import type { RegistrationStatus } from './registrations.js';

const STATES = ['registering', 'registered', 'failing', 'stopped'] as const;

export function registerSipMetrics(registry: Registry, registrations: () => RegistrationStatus[]): void {
  // A gateway started again on the same metrics (a restart in one process) replaces the old view.
  registry.removeSingleMetric('loopcast_sip_registrations');
  new Gauge({
    name: 'loopcast_sip_registrations',
    help: 'Outbound SIP registrations by state (registering, registered, failing, stopped)',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const list = registrations();
      for (const state of STATES) this.set({ state }, list.filter((r) => r.state === state).length);
    },
  });
}
