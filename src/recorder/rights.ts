// Retention, legal holds, erasure and export: the data-protection side of recording. Every action
// writes an audit entry (who, when, what) to the directory's audit log before it returns.
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { AuditEntry } from '../directory/audit-log.js';
import { recordingPlaintext } from './recording-file.js';
import type { Hold, RecordingRepository, TalkRecord } from './repository.js';
import { NO_KEYS, type RecordingKeys } from './sealed/keys.js';

const DAY_MS = 86_400_000;
/** Purge in batches so one run never holds the event loop for long. */
const PURGE_BATCH = 500;

export interface AuditSink {
  append(entry: AuditEntry): Promise<void>;
}

export interface RightsOptions {
  repo: RecordingRepository;
  dir: string;
  audit: AuditSink;
  log: Logger;
  now(): number;
  /** Retention of scopes without their own setting, in days. */
  defaultRetentionDays: number;
  /** `project/<id>` → the domain and project an audit entry belongs to. */
  scopeOwner(scope: string): { domain: string | null; project: string | null };
  /** Opens sealed files for the export (the export carries plain Ogg Opus). */
  keys?: RecordingKeys;
}

export interface UserExport {
  user: string;
  exportedAt: string;
  records: Array<{ id: number; loop: string; role: string; start: string; end: string; oggOpusBase64: string }>;
}

export class RecordingRights {
  constructor(private readonly o: RightsOptions) {}

  retentionDays(scope: string): number {
    return this.o.repo.retention(scope) ?? this.o.defaultRetentionDays;
  }

  /** Deletes files and rows older than their scope's retention unless a hold covers them. */
  async purge(): Promise<number> {
    const now = this.o.now();
    let total = 0;
    for (const scope of this.o.repo.scopesWithTalks()) {
      const before = now - this.retentionDays(scope) * DAY_MS;
      let deleted = 0;
      for (;;) {
        const batch = this.o.repo.expired(scope, before, PURGE_BATCH);
        for (const talk of batch) this.remove(talk);
        deleted += batch.length;
        if (batch.length < PURGE_BATCH) break;
      }
      if (deleted > 0) {
        total += deleted;
        await this.audit('system', 'recording_purge', scope, { type: 'scope', id: scope }, `purged ${deleted} talk records older than ${this.retentionDays(scope)} days`);
      }
    }
    return total;
  }

  async setRetention(by: string, scope: string, days: number): Promise<void> {
    this.o.repo.setRetention(scope, days);
    await this.audit(by, 'recording_retention', scope, { type: 'scope', id: scope }, `retention set to ${days} days`);
  }

  async addHold(by: string, hold: Omit<Hold, 'id' | 'by' | 'createdMs'>): Promise<Hold> {
    const created = this.o.repo.addHold({ ...hold, by, createdMs: this.o.now() });
    const what = `${hold.loop ?? 'all loops'} ${new Date(hold.fromMs).toISOString()}..${new Date(hold.toMs).toISOString()}`;
    await this.audit(by, 'recording_hold', hold.scope, { type: 'hold', id: String(created.id) }, `legal hold on ${what}: ${hold.reason}`);
    return created;
  }

  async removeHold(by: string, id: number): Promise<Hold | undefined> {
    const removed = this.o.repo.removeHold(id);
    if (removed) await this.audit(by, 'recording_hold_release', removed.scope, { type: 'hold', id: String(id) }, `legal hold ${id} released`);
    return removed;
  }

  /**
   * Erases one user's voice and talk records: files and rows go, except where a legal hold applies,
   * there the audio stays and the record is pseudonymised. Spurts still being recorded are left.
   */
  async eraseUser(by: string, user: string, scopes: ReadonlySet<string>): Promise<{ erased: number; pseudonymised: number; pending: number }> {
    const pseudonym = `erased-${randomBytes(6).toString('hex')}`;
    const out = { erased: 0, pseudonymised: 0, pending: 0 };
    for (const talk of this.o.repo.talksOfUser(user)) {
      if (!scopes.has(talk.scope)) continue;
      if (talk.open) out.pending++;
      else if (this.o.repo.isHeld(talk.id)) {
        this.o.repo.pseudonymise(talk.id, pseudonym);
        out.pseudonymised++;
      } else {
        this.remove(talk);
        out.erased++;
      }
    }
    for (const scope of scopes) {
      await this.audit(by, 'recording_erase', scope, { type: 'user', id: user }, `erased ${out.erased}, pseudonymised ${out.pseudonymised} (held) talk records of ${user}`);
    }
    return out;
  }

  /** Everything recorded of one user (records and audio), for a data subject request. */
  async exportUser(by: string, user: string, scopes: ReadonlySet<string>): Promise<UserExport> {
    const records = this.o.repo.talksOfUser(user).filter((t) => scopes.has(t.scope) && !t.open);
    for (const scope of scopes) await this.audit(by, 'recording_export', scope, { type: 'user', id: user }, `exported ${records.length} talk records of ${user}`);
    return {
      user,
      exportedAt: new Date(this.o.now()).toISOString(),
      records: records.map((t) => ({
        id: t.id,
        loop: t.loop,
        role: t.role,
        start: new Date(t.startMs).toISOString(),
        end: new Date(t.endMs).toISOString(),
        oggOpusBase64: recordingPlaintext(readFileSync(join(this.o.dir, t.file)), this.o.keys ?? NO_KEYS).toString('base64'),
      })),
    };
  }

  /** A playback (stream or download) of a talk: who listened to what. */
  async auditPlayback(by: string, talk: TalkRecord, how: string): Promise<void> {
    await this.audit(by, 'recording_playback', talk.scope, { type: 'talk', id: String(talk.id) }, `${how} talk ${talk.id} of ${talk.user} on ${talk.loop}`);
  }

  private remove(talk: TalkRecord): void {
    // File first: a crash in between leaves a row without audio, never audio without its row.
    rmSync(join(this.o.dir, talk.file), { force: true });
    this.o.repo.deleteTalk(talk.id);
  }

  async audit(by: string, event: string, scope: string, target: AuditEntry['target'], summary: string): Promise<void> {
    const owner = this.o.scopeOwner(scope);
    try {
      await this.o.audit.append({ time: new Date(this.o.now()).toISOString(), user: by, event, target, domain: owner.domain, project: owner.project, summary });
    } catch (err) {
      this.o.log.error({ err, event, summary }, 'audit log write failed');
    }
  }
}
