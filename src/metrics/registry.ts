// Prometheus metrics (prom-client), served at /metrics. One registry per Loopcast process.
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  readonly sockets = new Gauge({ name: 'loopcast_sockets', help: 'Open signaling WebSockets', registers: [this.registry] });
  readonly requests = new Counter({
    name: 'loopcast_requests_total',
    help: 'Signaling requests by event and outcome (ok or error code)',
    labelNames: ['event', 'outcome'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'loopcast_' });
  }
}
