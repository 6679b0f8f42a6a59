// Prometheus metrics (prom-client), served at /metrics. One registry per Loopcast process.
// Conventions: base units (seconds, ratios 0..1), counters end in _total, label values come from
// bounded sets (outcome reasons, close codes, directory names under a cap). See docs/operations.md.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { buildInfo } from './build-info.js';
import { IntervalClock } from './interval-clock.js';
import { LabelCap } from './label-cap.js';

/** Why a login ended as it did; the only values of loopcast_logins_total{outcome}. */
export type LoginOutcome = 'ok' | 'resumed' | 'wrong_credentials' | 'throttled';

/** Close codes with their own series; a peer can send any of 4000 codes, the rest count as "other". */
const KNOWN_CLOSE_CODES = new Set([1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008, 1009, 1011, 1012, 1013, 1015]);

export function closeCodeLabel(code: number): string {
  return KNOWN_CLOSE_CODES.has(code) ? String(code) : 'other';
}

/** Directory loops with their own series; further loops share loop="_other" (documented). */
export const MAX_LOOP_SERIES = 500;
/** Distinct (project, role) pairs with their own session series. */
export const MAX_SESSION_SERIES = 500;

export interface LoopLabels {
  project: string;
  loop: string;
}

/** What every Loopcast process exports: the Node.js process metrics and loopcast_build_info. */
export function registerProcessMetrics(registry: Registry, options: { defaultMetrics?: boolean } = {}): void {
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'loopcast_' });
  const info = buildInfo();
  const build = new Gauge({
    name: 'loopcast_build_info',
    help: 'Always 1; the labels say which version and git commit runs',
    labelNames: ['version', 'commit', 'node'] as const,
    registers: [registry],
  });
  build.set({ version: info.version, commit: info.commit, node: process.version }, 1);
}

export class Metrics {
  readonly registry = new Registry();
  readonly sockets = new Gauge({ name: 'loopcast_sockets', help: 'Open signaling WebSockets', registers: [this.registry] });
  readonly requests = new Counter({
    name: 'loopcast_requests_total',
    help: 'Signaling requests by event and outcome (ok or error code)',
    labelNames: ['event', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly logins = new Counter({
    name: 'loopcast_logins_total',
    help: 'Login attempts by outcome: ok (password), resumed (session id: a reconnect), wrong_credentials, throttled',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly socketCloses = new Counter({
    name: 'loopcast_socket_closes_total',
    help: 'Closed signaling WebSockets by close code (1000 normal, 1001 going away, 1006 abnormal, ...; unlisted codes: other)',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly mediaSetup = new Histogram({
    name: 'loopcast_media_setup_seconds',
    help: 'From the media request to media_ready (offer, answer, ICE, DTLS)',
    buckets: [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10],
    registers: [this.registry],
  });
  readonly mediaSetupFailures = new Counter({
    name: 'loopcast_media_setup_failures_total',
    help: 'Media sessions that ended before media_ready',
    registers: [this.registry],
  });
  readonly directoryWrites = new Histogram({
    name: 'loopcast_directory_write_seconds',
    help: 'Durable directory writes (temp file, fsync, rename, directory fsync) by file kind',
    labelNames: ['file'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly directoryWriteFailures = new Counter({
    name: 'loopcast_directory_write_failures_total',
    help: 'Directory writes that failed (the change was refused, not acknowledged)',
    labelNames: ['file'] as const,
    registers: [this.registry],
  });
  readonly talkSeconds = new Counter({
    name: 'loopcast_loop_talk_seconds_total',
    help: 'Seconds operators spent talking (push-to-talk held) per loop, summed over talkers',
    labelNames: ['project', 'loop'] as const,
    registers: [this.registry],
    // Open intervals count up to the scrape, not only when they end.
    collect: () => this.talkClock.flush(),
  });
  readonly voiceSeconds = new Counter({
    name: 'loopcast_loop_voice_seconds_total',
    help: 'Seconds with voice activity (VAD) per loop',
    labelNames: ['project', 'loop'] as const,
    registers: [this.registry],
    collect: () => this.voiceClock.flush(),
  });
  readonly voiceActive = new Gauge({
    name: 'loopcast_loop_voice_active',
    help: '1 while the loop carries voice (VAD), else 0',
    labelNames: ['project', 'loop'] as const,
    registers: [this.registry],
  });
  /** Loop label values, capped (shared by every per-loop metric so their series line up). */
  readonly loopCap = new LabelCap(MAX_LOOP_SERIES);
  readonly sessionCap = new LabelCap(MAX_SESSION_SERIES);
  readonly talkClock = new IntervalClock<LoopLabels>({ add: (labels, s) => this.talkSeconds.inc(labels, s) });
  readonly voiceClock = new IntervalClock<LoopLabels>({ add: (labels, s) => this.voiceSeconds.inc(labels, s) });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    registerProcessMetrics(this.registry, options);
    // Known label values start at 0, so rate() and alerts see a series before the first event.
    for (const outcome of ['ok', 'resumed', 'wrong_credentials', 'throttled'] as const) this.logins.inc({ outcome }, 0);
    for (const file of ['config', 'state', 'sessions']) {
      this.directoryWrites.zero({ file });
      this.directoryWriteFailures.inc({ file }, 0);
    }
  }

  /** Capped labels of a loop (project = the loop's scope id: a project, or the domain for domain loops). */
  loopLabels(project: string, loop: string): LoopLabels {
    const capped = this.loopCap.label(`${project}/${loop}`);
    return capped === `${project}/${loop}` ? { project, loop } : { project: capped, loop: capped };
  }
}
