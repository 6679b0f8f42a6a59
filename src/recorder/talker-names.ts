// Who talks with an SSRC, for the recorder's talk records (docs/recording.md "Who talks"): this
// process's own sessions first (its media plane, or the sessions it drives on media hosts), then the
// shared talker table of the control plane (other processes' sessions, deployed). A local session is
// never renamed by a table entry. Two table entries with the same SSRC that name different talkers are
// not guessed between: the talk is recorded as `unknown`, with a warning. Synchronous and cheap (a map
// lookup per spurt start, never per packet).
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { LimitedLog } from '../log/log-limiter.js';
import type { TalkerIdentity } from './loop-recorder.js';

/** The shared talker table as the recorder reads it (ReplicatedTalkers, deployed). */
export interface TalkerEntries {
  /** Live entries of other processes for `ssrc`. */
  entries(ssrc: number): ReadonlyArray<{ user: string; role: string; backend: string }>;
  /** Told when an entry for `ssrc` arrives or goes. */
  onChange(listener: (ssrc: number) => void): () => void;
}

export interface TalkerNamesOptions {
  local: (ssrc: number) => TalkerIdentity | undefined;
  shared?: TalkerEntries | undefined;
  log: Logger;
  registry?: Registry | undefined;
}

export class TalkerNames {
  private readonly limited: LimitedLog;
  private readonly collisions: Counter | undefined;
  private collisionCount = 0;

  constructor(private readonly options: TalkerNamesOptions) {
    this.limited = new LimitedLog(options.log);
    if (options.registry) {
      this.collisions = new Counter({ name: 'loopcast_recorder_talker_collisions_total', help: 'Talk spurts recorded as unknown because two sessions elsewhere talk with the same SSRC', registers: [options.registry] });
    }
  }

  /** Spurts left unnamed because of an SSRC collision, since start. */
  get collided(): number {
    return this.collisionCount;
  }

  /** The talker of a spurt starting now; undefined = `unknown` (nobody known, or a collision). */
  identify(ssrc: number): TalkerIdentity | undefined {
    const found = this.lookup(ssrc);
    if (found !== 'collision') return found;
    this.collisionCount++;
    this.collisions?.inc();
    const entries = this.options.shared?.entries(ssrc) ?? [];
    this.limited.warn({ ssrc, talkers: entries.slice(0, 4).map((e) => ({ user: e.user, role: e.role, backend: e.backend })) }, 'two sessions talk with the same SSRC: recorded as unknown');
    return undefined;
  }

  /** Told when the shared table names an SSRC (a spurt that started before its entry arrived is named then). */
  onNamed(listener: (ssrc: number, who: TalkerIdentity) => void): () => void {
    return (
      this.options.shared?.onChange((ssrc) => {
        const found = this.lookup(ssrc);
        if (found && found !== 'collision') listener(ssrc, found);
      }) ?? (() => undefined)
    );
  }

  private lookup(ssrc: number): TalkerIdentity | 'collision' | undefined {
    const local = this.options.local(ssrc);
    if (local) return { user: local.user, role: local.role };
    const entries = this.options.shared?.entries(ssrc) ?? [];
    const first = entries[0];
    if (!first) return undefined;
    // The same user and role twice (e.g. entries of one session seen twice) is no guess.
    if (entries.some((e) => e.user !== first.user || e.role !== first.role)) return 'collision';
    return { user: first.user, role: first.role };
  }
}
