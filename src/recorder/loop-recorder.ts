// Recording of one loop: a listener on the loop bus that writes each talker's packets into that
// talker's current spurt file, and keeps the last seconds of packets in memory for instant replay.
// Never decodes. Errors (disk full) go to the host, which stops recording; they never reach the bus.
import { join } from 'node:path';
import type { LoopHandle } from '../media/loopbus/index.js';
import type { RtpPacket } from '../media/rtp.js';
import type { FileOps } from './file-ops.js';
import type { RecordingRepository, TalkRecord } from './repository.js';
import type { RecordingKey } from './sealed/keys.js';
import { SpurtWriter } from './spurt-writer.js';

export interface RecordedLoop {
  /** Bus loop key, e.g. `project/mcc@host/loop1`. */
  key: string;
  /** `project/<id>` or `domain/<id>`: retention and holds apply per scope. */
  scope: string;
  loopId: string;
}

export interface TalkerIdentity {
  user: string;
  role: string;
}

/** One recorded packet, timed on the wall clock (ms). */
export interface ReplayPacket {
  ssrc: number;
  atMs: number;
  payload: Buffer;
}

export interface SpurtPolicy {
  /** A spurt ends this long after its talker's last packet. */
  idleMs: number;
  /** Longer timestamp gaps end the spurt instead of being filled with silence. */
  maxGapMs: number;
  /** Files are cut after this long (a stuck microphone still makes closed, purgeable files). */
  maxSpurtMs: number;
  /** How much audio is kept in memory for replay. */
  replayMs: number;
  /**
   * Simultaneous talkers recorded per loop. More SSRCs (a flood on the multicast LAN) are dropped
   * and counted instead of opening a file each until descriptors run out.
   */
  maxTalkersPerLoop: number;
}

export interface LoopRecorderHost {
  readonly dir: string;
  readonly ops: FileOps;
  readonly repo: RecordingRepository;
  readonly policy: SpurtPolicy;
  /** Seals new spurt files; undefined = plain Ogg Opus. */
  readonly sealKey?: RecordingKey | undefined;
  now(): number;
  identify(ssrc: number): TalkerIdentity | undefined;
  /** A spurt started as `unknown`: named later if its talker becomes known soon (Recorder.named). */
  unnamed(talk: TalkRecord): void;
  /** A write failed: the host stops all recording. */
  fail(err: unknown): void;
  /** Counts for metrics. */
  counted(kind: 'packets' | 'bytes' | 'spurts' | 'dropped', n: number): void;
}

interface OpenSpurt {
  writer: SpurtWriter;
  talk: TalkRecord;
  lastPacketMs: number;
}

/** `2026/12/01/17.opus`: one folder per day keeps folders small and purge cheap. */
function relativeFile(startMs: number, id: number): string {
  const d = new Date(startMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  return join(String(d.getUTCFullYear()), pad(d.getUTCMonth() + 1), pad(d.getUTCDate()), `${id}.opus`);
}

export class LoopRecorder {
  private readonly spurts = new Map<number, OpenSpurt>();
  private ring: ReplayPacket[] = [];
  private ringHead = 0;
  private lastStartMs: number | undefined;

  constructor(
    readonly loop: RecordedLoop,
    private readonly handle: LoopHandle,
    private readonly host: LoopRecorderHost,
  ) {
    handle.on('packet', (_buf, rtp) => this.onPacket(rtp));
  }

  /** Start of the most recent spurt on this loop (for "replay the last spurt"). */
  get lastSpurtStartMs(): number | undefined {
    return this.lastStartMs;
  }

  get openSpurts(): number {
    return this.spurts.size;
  }

  private onPacket(rtp: RtpPacket): void {
    try {
      this.record(rtp);
    } catch (err) {
      this.host.fail(err);
    }
  }

  private record(rtp: RtpPacket): void {
    const now = this.host.now();
    // The bus may reuse its buffers: one copy serves the file and the replay ring.
    const payload = Buffer.from(rtp.payload);
    let spurt = this.spurts.get(rtp.ssrc);
    if (spurt && spurt.writer.durationMs >= this.host.policy.maxSpurtMs) {
      this.finish(spurt);
      spurt = undefined;
    }
    if (!spurt && this.spurts.size >= this.host.policy.maxTalkersPerLoop) {
      this.host.counted('dropped', 1);
      return;
    }
    spurt ??= this.start(rtp.ssrc, now);
    let added = spurt.writer.add(payload, rtp.timestamp);
    if (added.result === 'gap') {
      this.finish(spurt);
      spurt = this.start(rtp.ssrc, now);
      added = spurt.writer.add(payload, rtp.timestamp);
    }
    if (added.result !== 'added') {
      this.host.counted('dropped', 1);
      return;
    }
    spurt.lastPacketMs = now;
    this.host.counted('packets', 1);
    this.host.counted('bytes', payload.length);
    this.remember({ ssrc: rtp.ssrc, atMs: spurt.writer.startMs + added.atMs, payload }, now);
  }

  private start(ssrc: number, now: number): OpenSpurt {
    const known = this.host.identify(ssrc);
    const who = known ?? { user: 'unknown', role: 'unknown' };
    const talk = this.host.repo.insertTalk(
      { loop: this.loop.key, scope: this.loop.scope, user: who.user, role: who.role, ssrc, startMs: now, file: '' },
      (id) => relativeFile(now, id),
    );
    const comments = [`LOOPCAST_LOOP=${this.loop.loopId}`, `LOOPCAST_SCOPE=${this.loop.scope}`, `LOOPCAST_USER=${who.user}`, `LOOPCAST_ROLE=${who.role}`, `LOOPCAST_START_MS=${now}`];
    let writer: SpurtWriter;
    try {
      writer = new SpurtWriter(this.host.ops, join(this.host.dir, talk.file), now, comments, (this.host.policy.maxGapMs * 48) | 0, this.host.sealKey);
    } catch (err) {
      this.host.repo.deleteTalk(talk.id);
      throw err;
    }
    const spurt: OpenSpurt = { writer, talk, lastPacketMs: now };
    this.spurts.set(ssrc, spurt);
    if (!known) this.host.unnamed(talk);
    this.lastStartMs = now;
    this.host.counted('spurts', 1);
    return spurt;
  }

  private finish(spurt: OpenSpurt): void {
    this.spurts.delete(spurt.talk.ssrc);
    spurt.writer.end();
    this.host.repo.updateTalk(spurt.talk.id, spurt.writer.startMs + Math.round(spurt.writer.durationMs), spurt.writer.bytes, false);
  }

  /**
   * The periodic step (inside the host's transaction): ends idle spurts, puts pending packets on
   * pages and records progress. `force` ends every spurt (shutdown).
   */
  flush(force = false): void {
    const now = this.host.now();
    for (const spurt of [...this.spurts.values()]) {
      if (force || now - spurt.lastPacketMs >= this.host.policy.idleMs) {
        this.finish(spurt);
        continue;
      }
      spurt.writer.flush();
      this.host.repo.updateTalk(spurt.talk.id, spurt.writer.startMs + Math.round(spurt.writer.durationMs), spurt.writer.bytes, true);
    }
    this.trimRing(now);
  }

  /** fdatasync of every open spurt file. */
  async sync(): Promise<void> {
    await Promise.all([...this.spurts.values()].map((s) => s.writer.sync()));
  }

  /** Stops listening. After a write failure: closes files without writing more. */
  close(failed: boolean): void {
    this.handle.leave();
    if (failed) {
      for (const spurt of this.spurts.values()) {
        spurt.writer.abandon();
        try {
          this.host.repo.updateTalk(spurt.talk.id, spurt.writer.startMs + Math.round(spurt.writer.durationMs), spurt.writer.bytes, true);
        } catch {
          // The row stays open; recovery fixes it from the file on the next start.
        }
      }
      this.spurts.clear();
    } else {
      this.flush(true);
    }
    this.ring = [];
    this.ringHead = 0;
  }

  /** Packets at or after `fromMs`, in time order. */
  recent(fromMs: number): ReplayPacket[] {
    const out: ReplayPacket[] = [];
    for (let i = this.ringHead; i < this.ring.length; i++) {
      const p = this.ring[i] as ReplayPacket;
      if (p.atMs >= fromMs) out.push(p);
    }
    return out.sort((a, b) => a.atMs - b.atMs);
  }

  private remember(p: ReplayPacket, now: number): void {
    this.ring.push(p);
    if (this.ring.length - this.ringHead > 4096) this.trimRing(now);
  }

  private trimRing(now: number): void {
    const oldest = now - this.host.policy.replayMs;
    while (this.ringHead < this.ring.length && (this.ring[this.ringHead] as ReplayPacket).atMs < oldest) this.ringHead++;
    if (this.ringHead > 1024 && this.ringHead * 2 > this.ring.length) {
      this.ring = this.ring.slice(this.ringHead);
      this.ringHead = 0;
    }
  }
}
