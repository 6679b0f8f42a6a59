// Gauges read from signaling state when Prometheus scrapes: logged-in sessions by project, role and
// client kind, and per directory loop its participants, monitors and talkers. Nothing is counted on
// the hot path; every label value comes from the directory (bounded by the caps in registry.ts).
import { Gauge } from 'prom-client';
import type { Metrics } from './registry.js';

/** What the collectors read of one socket (a signaling Connection satisfies it). */
export interface SessionView {
  readonly login: { scope: { id: string } } | undefined;
  readonly role: string | undefined;
  readonly loopStates: ReadonlyMap<string, string>;
  readonly talking: ReadonlySet<string>;
}

/** Every loop of the directory, by scope id (so idle loops report 0, not nothing). */
export type DirectoryLoops = () => Iterable<{ project: string; loop: string }>;

interface LoopCounts {
  participants: number;
  monitors: number;
  talkers: number;
}

export interface SessionCounts {
  sessions: Map<string, { project: string; role: string; client: string; count: number }>;
  loops: Map<string, { project: string; loop: string; counts: LoopCounts }>;
}

/** Pure: counts per (project, role, client kind) and per loop. Consoles are logged in without a role. */
export function countSessions(metrics: Pick<Metrics, 'loopLabels' | 'sessionCap'>, sockets: Iterable<SessionView>, loops: DirectoryLoops): SessionCounts {
  const out: SessionCounts = { sessions: new Map(), loops: new Map() };
  const loopEntry = (project: string, loop: string) => {
    const labels = metrics.loopLabels(project, loop);
    const key = `${labels.project}/${labels.loop}`;
    let entry = out.loops.get(key);
    if (!entry) out.loops.set(key, (entry = { ...labels, counts: { participants: 0, monitors: 0, talkers: 0 } }));
    return entry.counts;
  };
  for (const { project, loop } of loops()) loopEntry(project, loop);
  for (const socket of sockets) {
    if (!socket.login) continue;
    const project = socket.login.scope.id;
    const role = socket.role ?? '';
    const client = socket.role === undefined ? 'console' : 'keyset';
    const capped = metrics.sessionCap.label(`${project}\u0000${role}`);
    const labels = capped.includes('\u0000') ? { project, role } : { project: capped, role: capped };
    const key = `${labels.project}\u0000${labels.role}\u0000${client}`;
    const entry = out.sessions.get(key) ?? { ...labels, client, count: 0 };
    entry.count++;
    out.sessions.set(key, entry);
    for (const [loop, state] of socket.loopStates) {
      const counts = loopEntry(project, loop);
      counts.participants++;
      if (state === 'recv') counts.monitors++;
    }
    for (const loop of socket.talking) loopEntry(project, loop).talkers++;
  }
  return out;
}

export function registerSignalingCollectors(metrics: Metrics, sockets: () => Iterable<SessionView>, loops: DirectoryLoops): void {
  // Each gauge counts for itself: a few thousand map operations per scrape, no shared state to go stale.
  const counts = (): SessionCounts => countSessions(metrics, sockets(), loops);
  const registers = [metrics.registry];
  new Gauge({
    name: 'loopcast_sessions',
    help: 'Logged-in signaling sessions by project, role and client (keyset: a role is authorized; console: admin console, no role)',
    labelNames: ['project', 'role', 'client'] as const,
    registers,
    collect() {
      this.reset();
      for (const s of counts().sessions.values()) this.set({ project: s.project, role: s.role, client: s.client }, s.count);
    },
  });
  const loopGauge = (name: string, help: string, pick: (c: LoopCounts) => number): void => {
    new Gauge({
      name,
      help,
      labelNames: ['project', 'loop'] as const,
      registers,
      collect() {
        this.reset();
        for (const l of counts().loops.values()) this.set({ project: l.project, loop: l.loop }, pick(l.counts));
      },
    });
  };
  loopGauge('loopcast_loop_participants', 'Sockets with the loop in recv or send', (c) => c.participants);
  loopGauge('loopcast_loop_monitors', 'Sockets monitoring the loop (recv)', (c) => c.monitors);
  loopGauge('loopcast_loop_talkers', 'Operators talking on the loop right now', (c) => c.talkers);
}
