// The recorder as the rest of Loopcast sees it: which loops are recorded (directory flag, overridden
// by record_start/record_stop), instant replay per listener, rights and links. Built by src/app.ts.
import type { Logger } from 'pino';
import type { Directory, Scope } from '../directory/directory.js';
import { loopKey, type LoopKey } from '../directory/loop-key.js';
import type { LoopAddress } from '../media/loopbus/index.js';
import type { LinkSigner } from './links.js';
import type { LoopToRecord, Recorder } from './recorder.js';
import { ReplaySession, selectReplay, type ReplaySink } from './replay.js';
import type { RecordingRights } from './rights.js';

export function scopeKey(scope: Scope): string {
  return `${scope.kind}/${scope.id}`;
}

/** The bus key of a loop (recordings, switches and the bus are keyed by it). */
export function busLoopKey(scope: Scope, loopId: string): LoopKey {
  return loopKey(scope, loopId);
}

export type ReplayOutcome =
  | { ok: true; fromMs: number; durationMs: number }
  | { ok: false; reason: 'not-recorded' | 'nothing-to-replay' | 'no-media' };

export interface RecordingServiceOptions {
  recorder: Recorder;
  rights: RecordingRights;
  links: LinkSigner;
  directory: Directory;
  log: Logger;
  now(): number;
  /** Absent without a local media plane: replay answers no-media. */
  replay?: ReplaySink;
  /** Purge period (default hourly). */
  purgeEveryMs?: number;
}

export class RecordingService {
  readonly recorder: Recorder;
  readonly rights: RecordingRights;
  readonly links: LinkSigner;
  private readonly replays = new Map<string, ReplaySession>();
  private purgeTimer: NodeJS.Timeout | undefined;
  private replayCount = 0;

  constructor(private readonly o: RecordingServiceOptions) {
    this.recorder = o.recorder;
    this.rights = o.rights;
    this.links = o.links;
    this.refresh();
    this.schedulePurge(0);
  }

  /** Every loop with its effective recording switch: the directory flag unless record_start/stop said otherwise. */
  private loopsToRecord(): LoopToRecord[] {
    const switches = this.recorder.repo.switches();
    const out: LoopToRecord[] = [];
    for (const domain of this.o.directory.allDomains()) {
      for (const scope of [domain, ...this.o.directory.projectsOf(domain.id)]) {
        for (const loop of Object.values(scope.data.loops)) {
          const key = busLoopKey(scope, loop.id);
          if (!(switches.get(key) ?? loop.recorded === true)) continue;
          const multicast: LoopAddress | undefined = loop.multicast ? { host: loop.multicast.host, port: loop.multicast.port } : undefined;
          out.push({ key, scope: scopeKey(scope), loopId: loop.id, ...(multicast ? { multicast } : {}) });
        }
      }
    }
    return out;
  }

  /** Re-reads the directory (call on every directory change). */
  refresh(): void {
    this.recorder.setLoops(this.loopsToRecord());
  }

  isRecorded(scope: Scope, loopId: string): boolean {
    const key = busLoopKey(scope, loopId);
    return this.loopsToRecord().some((l) => l.key === key);
  }

  recordedLoopIds(scope: Scope): string[] {
    const prefix = `${scopeKey(scope)}/`;
    return this.loopsToRecord().filter((l) => l.key.startsWith(prefix)).map((l) => l.loopId);
  }

  async setRecorded(by: string, scope: Scope, loopId: string, on: boolean): Promise<void> {
    this.recorder.repo.setSwitch(busLoopKey(scope, loopId), on, by, this.o.now());
    this.refresh();
    await this.rights.audit(by, on ? 'record_start' : 'record_stop', scopeKey(scope), { type: 'loop', id: loopId }, `recording of ${loopId} ${on ? 'started' : 'stopped'}`);
  }

  /**
   * Plays the last `seconds` (default: the last talk spurt, at most 30 s) of a recorded loop into
   * the listener's own mix. A new replay replaces the listener's running one. `onEnd` runs once.
   */
  replay(listenerId: string, scope: Scope, loopId: string, seconds: number | undefined, volume: number, onEnd: () => void): ReplayOutcome {
    const rec = this.recorder.loop(busLoopKey(scope, loopId));
    if (!rec) return { ok: false, reason: 'not-recorded' };
    if (!this.o.replay) return { ok: false, reason: 'no-media' };
    const selection = selectReplay(this.o.now(), rec.lastSpurtStartMs, seconds);
    const packets = selection ? rec.recent(selection.fromMs) : [];
    if (!selection || packets.length === 0) return { ok: false, reason: 'nothing-to-replay' };
    this.stopReplay(listenerId);
    const session = new ReplaySession(this.o.replay, listenerId, `replay/${listenerId}/${++this.replayCount}`, packets, () => {
      if (this.replays.get(listenerId) === session) this.replays.delete(listenerId);
      onEnd();
    });
    if (!session.start(volume)) return { ok: false, reason: 'no-media' };
    this.replays.set(listenerId, session);
    return { ok: true, fromMs: selection.fromMs, durationMs: session.durationMs };
  }

  stopReplay(listenerId: string): boolean {
    const running = this.replays.get(listenerId);
    running?.stop();
    return running !== undefined;
  }

  private schedulePurge(delayMs: number): void {
    this.purgeTimer = setTimeout(() => {
      this.rights
        .purge()
        .catch((err: unknown) => this.o.log.error({ err }, 'recording purge failed'))
        .finally(() => this.schedulePurge(this.o.purgeEveryMs ?? 3_600_000));
    }, delayMs);
    this.purgeTimer.unref();
  }

  close(): void {
    clearTimeout(this.purgeTimer);
    for (const session of [...this.replays.values()]) session.stop();
    this.recorder.close();
  }
}
