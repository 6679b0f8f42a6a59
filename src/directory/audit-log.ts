// The audit log of administrative changes: who, what, when. Appended (and fsynced) to
// `<db>/audit.jsonl` before the change is acknowledged; the newest entries stay in memory for the
// admin console. Entries never contain secrets.
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageError } from './storage-error.js';

export interface AuditEntry {
  /** ISO 8601 time of the change. */
  time: string;
  user: string;
  event: string;
  target: { type: string; id: string } | null;
  /** The domain and (if any) project the change belongs to, for admin-scoped reading. */
  domain: string | null;
  project: string | null;
  /** Short human-readable description, e.g. "update_key loop loop4 roles". */
  summary: string;
}

const KEEP = 5000;

/** A copy of the log shared by every backend (src/control/nats): each entry is durable there too before it is visible. */
export interface AuditReplica {
  publish(entry: AuditEntry): Promise<void>;
  /** The newest entries of every backend, then each new one (own ones included), in one order. */
  follow(onEntry: (entry: AuditEntry) => void): Promise<void>;
}

export class AuditLog {
  /** A failed append may have left a partial line that could not be cut off. */
  private tornTail = false;

  private replica: AuditReplica | undefined;

  private constructor(
    private readonly path: string,
    private recent: AuditEntry[],
  ) {}

  /** From now on entries also go to (and the console shows the entries of) every backend. */
  async replicate(replica: AuditReplica): Promise<void> {
    this.replica = replica;
    this.recent = [];
    await replica.follow((entry) => this.remember(entry));
  }

  private remember(entry: AuditEntry): void {
    this.recent.push(entry);
    if (this.recent.length > KEEP) this.recent.splice(0, this.recent.length - KEEP);
  }

  static async load(root: string): Promise<AuditLog> {
    const path = join(root, 'audit.jsonl');
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const entries: AuditEntry[] = [];
    // A torn last line after a crash is skipped, not fatal: the log is a record, not state.
    for (const line of text.split('\n').slice(-KEEP - 1)) {
      if (!line.trim()) continue;
      try {
        entries.push(JSON.parse(line) as AuditEntry);
      } catch {
        continue;
      }
    }
    const log = new AuditLog(path, entries.slice(-KEEP));
    // A crash mid-append leaves a line without its newline: the next entry starts on a fresh one.
    log.tornTail = text.length > 0 && !text.endsWith('\n');
    return log;
  }

  /**
   * Durable before visible: the entry reaches `query` only after its line is fsynced. A failed append
   * is cut off again (or, if even that fails, the next line starts on a fresh line), so a torn line
   * never swallows the next entry.
   */
  async append(entry: AuditEntry): Promise<void> {
    const file = await open(this.path, 'a', 0o600).catch((err: unknown) => {
      throw new StorageError(this.path, err);
    });
    try {
      const { size } = await file.stat();
      const line = `${this.tornTail ? '\n' : ''}${JSON.stringify(entry)}\n`;
      try {
        await file.appendFile(line, 'utf8');
        await file.sync();
      } catch (err) {
        this.tornTail = !(await file.truncate(size).then(
          () => true,
          () => false,
        ));
        throw new StorageError(this.path, err);
      }
      this.tornTail = false;
    } finally {
      await file.close().catch(() => undefined);
    }
    if (this.replica) await this.replica.publish(entry);
    else this.remember(entry);
  }

  /** Newest first, filtered by `visible`. */
  query(visible: (entry: AuditEntry) => boolean, limit: number): AuditEntry[] {
    const out: AuditEntry[] = [];
    for (let i = this.recent.length - 1; i >= 0 && out.length < limit; i--) {
      const entry = this.recent[i] as AuditEntry;
      if (visible(entry)) out.push(entry);
    }
    return out;
  }
}
