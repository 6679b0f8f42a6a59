// The recorder service: joins the recorded loops on the loop bus, writes talk spurts as Ogg Opus
// files and talk records into SQLite, flushes pages every `flushMs` (a kill loses at most that)
// and fdatasyncs every `syncMs`. A write error (disk full) stops recording cleanly — files closed,
// rows kept, an error logged and `loopcast_recorder_up` 0 — while audio keeps flowing; it resumes
// by itself once enough space is free again.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { LoopAddress, LoopBus } from '../media/loopbus/index.js';
import { nodeFileOps, type FileOps } from './file-ops.js';
import { LoopRecorder, type LoopRecorderHost, type RecordedLoop, type SpurtPolicy, type TalkerIdentity } from './loop-recorder.js';
import { recoverOpenTalks } from './recovery.js';
import { RecordingRepository, type TalkRecord } from './repository.js';
import { NO_KEYS, type RecordingKey, type RecordingKeys } from './sealed/keys.js';

export interface RecorderOptions {
  /** Files and `recorder.db` live here. */
  dir: string;
  bus: LoopBus;
  log: Logger;
  identify(ssrc: number): TalkerIdentity | undefined;
  now?: () => number;
  ops?: FileOps;
  policy?: Partial<SpurtPolicy>;
  flushMs?: number;
  syncMs?: number;
  /** Recording resumes after a failure only with this much free space. */
  minFreeBytes?: number;
  retryMs?: number;
  registry?: Registry;
  /** With a current key, new spurt files are sealed; every key opens the files it sealed. */
  keys?: RecordingKeys;
  /** Spurts recorded as `unknown` remembered for naming later (default 4096). */
  maxUnnamed?: number;
}

export interface LoopToRecord extends RecordedLoop {
  multicast?: LoopAddress;
}

/**
 * How long a spurt recorded as `unknown` can still be named once its talker becomes known: a session's
 * first words can reach this recorder before its talker entry does (docs/recording.md "Who talks").
 */
export const NAME_LATER_MS = 2 * 60_000;
/** Unnamed spurts remembered at once (SSRCs nobody ever names, e.g. a flood on the multicast LAN, are forgotten). */
const MAX_UNNAMED = 4096;

export const DEFAULT_POLICY: SpurtPolicy = { idleMs: 1000, maxGapMs: 1000, maxSpurtMs: 10 * 60_000, replayMs: 31_000, maxTalkersPerLoop: 16 };

class RecorderMetrics {
  readonly up: Gauge;
  readonly counts: Record<'packets' | 'bytes' | 'spurts' | 'dropped', Counter>;
  readonly writeErrors: Counter;

  constructor(registry: Registry | undefined, recorder: Recorder) {
    const registers = registry ? [registry] : [];
    this.up = new Gauge({ name: 'loopcast_recorder_up', help: '1 while the recorder writes, 0 after a write failure (disk full)', registers });
    this.counts = {
      packets: new Counter({ name: 'loopcast_recorder_packets_total', help: 'Opus packets recorded', registers }),
      bytes: new Counter({ name: 'loopcast_recorder_payload_bytes_total', help: 'Opus payload bytes recorded', registers }),
      spurts: new Counter({ name: 'loopcast_recorder_spurts_total', help: 'Talk spurts (files) started', registers }),
      dropped: new Counter({ name: 'loopcast_recorder_dropped_packets_total', help: 'Late, duplicate or invalid packets not recorded', registers }),
    };
    this.writeErrors = new Counter({ name: 'loopcast_recorder_write_errors_total', help: 'Recording stopped by a write error', registers });
    new Gauge({
      name: 'loopcast_recorder_loops',
      help: 'Loops being recorded',
      registers,
      collect() {
        this.set(recorder.recordedLoopKeys().length);
      },
    });
  }
}

export class Recorder implements LoopRecorderHost {
  readonly repo: RecordingRepository;
  readonly dir: string;
  readonly ops: FileOps;
  readonly policy: SpurtPolicy;
  readonly keys: RecordingKeys;
  private readonly loops = new Map<string, LoopRecorder>();
  private wanted: LoopToRecord[] = [];
  private readonly metrics: RecorderMetrics;
  private failed: unknown;
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private lastSyncMs = 0;
  private closed = false;
  /** Spurts recorded as `unknown` lately, by SSRC (oldest SSRC first). */
  private readonly unnamedTalks = new Map<number, Array<{ id: number; startMs: number }>>();
  private unnamedCount = 0;

  private constructor(private readonly options: RecorderOptions) {
    this.dir = options.dir;
    this.ops = options.ops ?? nodeFileOps;
    this.policy = { ...DEFAULT_POLICY, ...options.policy };
    this.keys = options.keys ?? NO_KEYS;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.repo = RecordingRepository.open(join(this.dir, 'recorder.db'));
    this.metrics = new RecorderMetrics(options.registry, this);
    this.metrics.up.set(1);
  }

  /** Opens the database, recovers talks cut short by a crash, and is ready to record. */
  static open(options: RecorderOptions): Recorder {
    const recorder = new Recorder(options);
    const r = recoverOpenTalks(recorder.repo, recorder.dir, recorder.keys);
    if (r.recovered + r.removed > 0) options.log.info(r, 'recorder recovered talks cut short');
    if (r.unreadable > 0) options.log.error(r, 'recorder could not open sealed recordings to recover them (key not configured, wrong key or tampered); they stay open');
    recorder.schedule();
    return recorder;
  }

  get sealKey(): RecordingKey | undefined {
    return this.keys.current;
  }

  now(): number {
    return this.options.now?.() ?? Date.now();
  }

  identify(ssrc: number): TalkerIdentity | undefined {
    return this.options.identify(ssrc);
  }

  unnamed(talk: TalkRecord): void {
    const list = this.unnamedTalks.get(talk.ssrc) ?? [];
    const since = this.now() - NAME_LATER_MS;
    const kept = list.filter((t) => t.startMs >= since);
    kept.push({ id: talk.id, startMs: talk.startMs });
    this.unnamedTalks.delete(talk.ssrc);
    this.unnamedTalks.set(talk.ssrc, kept);
    this.unnamedCount += kept.length - list.length;
    while (this.unnamedCount > (this.options.maxUnnamed ?? MAX_UNNAMED)) {
      const [oldest, talks] = this.unnamedTalks.entries().next().value as [number, Array<{ id: number }>];
      this.unnamedTalks.delete(oldest);
      this.unnamedCount -= talks.length;
    }
  }

  /** `ssrc`'s talker is known now: its spurts recorded as `unknown` in the last NAME_LATER_MS get the name. */
  named(ssrc: number, who: TalkerIdentity): void {
    const list = this.unnamedTalks.get(ssrc);
    if (!list || this.closed) return;
    this.unnamedTalks.delete(ssrc);
    this.unnamedCount -= list.length;
    const since = this.now() - NAME_LATER_MS;
    const ids = list.filter((t) => t.startMs >= since).map((t) => t.id);
    if (ids.length === 0) return;
    try {
      const renamed = this.repo.transaction(() => ids.filter((id) => this.repo.nameTalk(id, who.user, who.role)).length);
      this.options.log.info({ ssrc, user: who.user, role: who.role, talks: renamed }, 'talks recorded as unknown named: their talker became known after they started');
    } catch (err) {
      this.options.log.warn({ err, ssrc }, 'talks recorded as unknown could not be named');
    }
  }

  counted(kind: 'packets' | 'bytes' | 'spurts' | 'dropped', n: number): void {
    this.metrics.counts[kind].inc(n);
  }

  get recording(): boolean {
    return this.failed === undefined && !this.closed;
  }

  recordedLoopKeys(): string[] {
    return [...this.loops.keys()];
  }

  loop(key: string): LoopRecorder | undefined {
    return this.loops.get(key);
  }

  /** The loops that should be recorded now; joins new ones and leaves (finishing their spurts) the others. */
  setLoops(loops: LoopToRecord[]): void {
    this.wanted = loops;
    if (!this.recording) return;
    const keys = new Set(loops.map((l) => l.key));
    for (const [key, rec] of this.loops) {
      if (keys.has(key)) continue;
      this.loops.delete(key);
      this.guard(() => rec.close(false));
    }
    for (const loop of loops) {
      if (this.loops.has(loop.key)) continue;
      const handle = this.options.bus.join(loop.key, loop.multicast);
      this.loops.set(loop.key, new LoopRecorder({ key: loop.key, scope: loop.scope, loopId: loop.loopId }, handle, this));
    }
  }

  /** A write failed: stop everything cleanly, alert, and try again later. */
  fail(err: unknown): void {
    if (this.failed !== undefined || this.closed) return;
    this.failed = err;
    this.metrics.up.set(0);
    this.metrics.writeErrors.inc();
    this.options.log.error({ err, dir: this.dir }, 'recording stopped: write failed (disk full or unwritable); audio continues unrecorded');
    for (const rec of this.loops.values()) rec.close(true);
    this.loops.clear();
    this.retryTimer = setTimeout(() => this.retry(), this.options.retryMs ?? 30_000);
    this.retryTimer.unref();
  }

  private retry(): void {
    this.retryTimer = undefined;
    if (this.closed) return;
    let free = 0;
    try {
      free = this.ops.freeBytes(this.dir);
    } catch {
      free = 0;
    }
    if (free < (this.options.minFreeBytes ?? 64 * 1024 * 1024)) {
      this.retryTimer = setTimeout(() => this.retry(), this.options.retryMs ?? 30_000);
      this.retryTimer.unref();
      return;
    }
    this.failed = undefined;
    this.metrics.up.set(1);
    this.options.log.info({ dir: this.dir, freeBytes: free }, 'recording resumed');
    this.setLoops(this.wanted);
  }

  /** Pages to the OS for every open spurt, progress into the database; fdatasync every syncMs. */
  flush(): void {
    if (!this.recording) return;
    this.guard(() => this.repo.transaction(() => {
      for (const rec of this.loops.values()) rec.flush();
    }));
    const now = this.now();
    if (now - this.lastSyncMs >= (this.options.syncMs ?? 1000)) {
      this.lastSyncMs = now;
      for (const rec of this.loops.values()) rec.sync().catch((err: unknown) => this.fail(err));
    }
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.fail(err);
    }
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.flush();
      if (!this.closed) this.schedule();
    }, this.options.flushMs ?? 500);
    this.timer.unref();
  }

  /** Finishes every spurt and closes the database. */
  close(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    clearTimeout(this.retryTimer);
    for (const rec of this.loops.values()) this.guard(() => rec.close(this.failed !== undefined));
    this.loops.clear();
    this.closed = true;
    this.repo.close();
  }
}
