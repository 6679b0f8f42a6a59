// The event trail: who talked or switched which loop when, as info lines with `trail` set, so a log
// shipper can select them (`trail: "talk" | "loop"`) and answer "who was on air on loop X at 14:02".
// The same calls keep the per-loop talk-time metric, so log and metrics never disagree.
import type { Logger } from 'pino';
import type { Metrics } from '../metrics/registry.js';

export interface TrailActor {
  /** The socket (not a secret: it is the client id others see when the client sends none). */
  conn: string;
  user: string;
  role: string;
  /** The loop's scope id (project, or domain for domain loops). */
  project: string;
}

export interface TrailServices {
  log: Logger;
  metrics: Metrics;
}

export function trailTalk(services: TrailServices, actor: TrailActor, loop: string, talking: boolean): void {
  const interval = `${actor.conn}\u0000${actor.project}\u0000${loop}`;
  if (talking) services.metrics.talkClock.start(interval, services.metrics.loopLabels(actor.project, loop));
  else services.metrics.talkClock.stop(interval);
  services.log.info({ trail: 'talk', ...actor, loop, talking }, talking ? 'talk start' : 'talk stop');
}

export function trailLoopState(services: TrailServices, actor: TrailActor, loop: string, from: string, to: string): void {
  if (from === to) return;
  services.log.info({ trail: 'loop', ...actor, loop, from, to }, 'loop state');
}

/** The actor of a signaling socket (structurally: a Connection). */
export function trailActor(conn: { id: string; role: string | undefined; login: { user: string; scope: { id: string } } | undefined }): TrailActor {
  return { conn: conn.id, user: conn.login?.user ?? '', role: conn.role ?? '', project: conn.login?.scope.id ?? '' };
}
