// Liveness and readiness. Live: the process answers (the event loop runs). Ready: it can do its
// job: the directory accepts writes (a real probe write), and with a media plane its UDP port is
// held and its mixing clock ticks while audio flows; when deployed, the control plane (NATS) answers.
// A process without signaling has no directory; its own checks (announced, capacity) come as `more`.
// Concurrent requests share one probe run.
import { probeUdpPortHeld, probeWritable, withTimeout, type CheckResult } from './probes.js';

/** What readiness reads of the media plane (MediaPlane.health()). */
export interface MediaHealthSource {
  health(): { udpPort: number; clockSubscribed: boolean; msSinceTick: number | undefined };
}

/** Media hosts of a signaling process without a media plane (src/media/remote): is there one to place a session on? */
export interface MediaHostsHealthSource {
  hostsCheck(): CheckResult;
}

/** The control plane of a deployed backend (`loopcast serve`): a probe that fails while it is unreachable. */
export interface ControlHealthSource {
  probe(): Promise<CheckResult>;
}

export interface HealthReport {
  status: 'ok' | 'fail';
  checks: Record<string, CheckResult>;
}

export interface HealthOptions {
  /** The folder the directory writes into; absent in a process without a directory (a media host). */
  dbDir?: string;
  media?: MediaHealthSource;
  /** Deployed signaling whose media runs on media hosts: at least one with a free session. */
  mediaHosts?: MediaHostsHealthSource;
  /** Absent in the embedded default (no control plane). */
  control?: ControlHealthSource;
  /** Further synchronous checks by name (service-checks.ts: announced, capacity). */
  more?: Readonly<Record<string, () => CheckResult>>;
  /** The edge's bind address (so the port probe asks about the same address). */
  udpBindAddress?: string;
  /** A probe slower than this counts as failed (default 2000 ms). */
  probeTimeoutMs?: number;
  /** The clock counts as stalled after this long without a tick while subscribed (default 1000 ms). */
  clockStallMs?: number;
}

/** Pure: a subscribed clock that has not ticked for `stallMs` is stuck; an unsubscribed one is idle. */
export function clockCheck(state: { clockSubscribed: boolean; msSinceTick: number | undefined }, stallMs: number): CheckResult {
  if (!state.clockSubscribed) return { ok: true, detail: 'idle (no audio)' };
  const since = state.msSinceTick ?? Infinity;
  return since <= stallMs ? { ok: true } : { ok: false, detail: `mixing clock stalled: no tick for ${Math.round(since)} ms` };
}

export class HealthChecks {
  private running: Promise<HealthReport> | undefined;

  constructor(private readonly options: HealthOptions) {}

  ready(): Promise<HealthReport> {
    this.running ??= this.probe().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async probe(): Promise<HealthReport> {
    const timeoutMs = this.options.probeTimeoutMs ?? 2000;
    const checks: Record<string, CheckResult> = {};
    const media = this.options.media;
    const control = this.options.control;
    const dbDir = this.options.dbDir;
    const [directory, udp, controlPlane] = await Promise.all([
      dbDir !== undefined ? withTimeout(probeWritable(dbDir), timeoutMs, 'directory write probe') : undefined,
      media ? withTimeout(probeUdpPortHeld(media.health().udpPort, this.options.udpBindAddress), timeoutMs, 'UDP port probe') : undefined,
      control ? withTimeout(control.probe(), timeoutMs, 'control plane probe') : undefined,
    ]);
    if (directory) checks.directory = directory;
    if (controlPlane) checks.control_plane = controlPlane;
    if (this.options.mediaHosts) checks.media_hosts = this.options.mediaHosts.hostsCheck();
    if (media && udp) {
      checks.media_udp = udp;
      checks.media_clock = clockCheck(media.health(), this.options.clockStallMs ?? 1000);
    }
    for (const [name, check] of Object.entries(this.options.more ?? {})) checks[name] = check();
    const ok = Object.values(checks).every((c) => c.ok);
    return { status: ok ? 'ok' : 'fail', checks };
  }
}
