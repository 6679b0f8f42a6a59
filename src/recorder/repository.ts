// Talk records, legal holds, retention settings and recording switches in SQLite (better-sqlite3).
// The only module that speaks SQL. Times are epoch milliseconds; loops are bus loop keys
// (`project/<id>/<loop>`), scopes are `project/<id>` or `domain/<id>`.
import Database from 'better-sqlite3';

export interface NewTalk {
  loop: string;
  scope: string;
  user: string;
  role: string;
  ssrc: number;
  startMs: number;
  /** Path of the Ogg Opus file, relative to the recordings directory. */
  file: string;
}

export interface TalkRecord extends NewTalk {
  id: number;
  endMs: number;
  /** Where the spurt's audio starts in its file (ms); 0 with one file per spurt. */
  offsetMs: number;
  bytes: number;
  /** Still being written (or cut short by a crash and not yet recovered). */
  open: boolean;
  pseudonymised: boolean;
}

export interface Hold {
  id: number;
  scope: string;
  /** undefined = every loop of the scope. */
  loop: string | undefined;
  fromMs: number;
  toMs: number;
  reason: string;
  by: string;
  createdMs: number;
}

export interface TalkQuery {
  loops: readonly string[];
  user?: string;
  fromMs: number;
  toMs: number;
  limit: number;
}

interface TalkRow {
  id: number;
  loop: string;
  scope: string;
  user: string;
  role: string;
  ssrc: number;
  start_ms: number;
  end_ms: number;
  file: string;
  offset_ms: number;
  bytes: number;
  open: number;
  pseudonymised: number;
}

interface HoldRow {
  id: number;
  scope: string;
  loop: string | null;
  from_ms: number;
  to_ms: number;
  reason: string;
  by: string;
  created_ms: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS talks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  loop TEXT NOT NULL, scope TEXT NOT NULL, user TEXT NOT NULL, role TEXT NOT NULL, ssrc INTEGER NOT NULL,
  start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL, file TEXT NOT NULL, offset_ms INTEGER NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL DEFAULT 0, open INTEGER NOT NULL DEFAULT 1, pseudonymised INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS talks_loop_time ON talks (loop, start_ms);
CREATE INDEX IF NOT EXISTS talks_user ON talks (user);
CREATE INDEX IF NOT EXISTS talks_scope_end ON talks (scope, end_ms);
CREATE TABLE IF NOT EXISTS holds (
  id INTEGER PRIMARY KEY AUTOINCREMENT, scope TEXT NOT NULL, loop TEXT, from_ms INTEGER NOT NULL,
  to_ms INTEGER NOT NULL, reason TEXT NOT NULL, by TEXT NOT NULL, created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS retention (scope TEXT PRIMARY KEY, days REAL NOT NULL);
CREATE TABLE IF NOT EXISTS switches (loop TEXT PRIMARY KEY, recorded INTEGER NOT NULL, by TEXT NOT NULL, at_ms INTEGER NOT NULL);
`;

/** A talk is held when a hold of its scope (all loops or its loop) overlaps its time. */
const HELD = `EXISTS (SELECT 1 FROM holds h WHERE h.scope = t.scope AND (h.loop IS NULL OR h.loop = t.loop)
  AND h.from_ms <= t.end_ms AND h.to_ms >= t.start_ms)`;

function toTalk(r: TalkRow): TalkRecord {
  return {
    id: r.id, loop: r.loop, scope: r.scope, user: r.user, role: r.role, ssrc: r.ssrc, startMs: r.start_ms, endMs: r.end_ms,
    file: r.file, offsetMs: r.offset_ms, bytes: r.bytes, open: r.open === 1, pseudonymised: r.pseudonymised === 1,
  };
}

function toHold(r: HoldRow): Hold {
  return { id: r.id, scope: r.scope, loop: r.loop ?? undefined, fromMs: r.from_ms, toMs: r.to_ms, reason: r.reason, by: r.by, createdMs: r.created_ms };
}

export class RecordingRepository {
  private readonly db: Database.Database;

  private constructor(path: string) {
    this.db = new Database(path);
    // WAL + NORMAL: a committed row survives a process kill without an fsync per commit (the media
    // thread inserts rows); a power cut may lose the last commits, like the last second of audio.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
  }

  static open(path: string): RecordingRepository {
    return new RecordingRepository(path);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Runs `fn` in one transaction (one fsync for many updates). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  insertTalk(t: NewTalk, fileOf: (id: number) => string): TalkRecord {
    return this.transaction(() => {
      const info = this.db
        .prepare('INSERT INTO talks (loop, scope, user, role, ssrc, start_ms, end_ms, file) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(t.loop, t.scope, t.user, t.role, t.ssrc, t.startMs, t.startMs, t.file);
      const id = Number(info.lastInsertRowid);
      const file = fileOf(id);
      this.db.prepare('UPDATE talks SET file = ? WHERE id = ?').run(file, id);
      return { ...t, id, file, endMs: t.startMs, offsetMs: 0, bytes: 0, open: true, pseudonymised: false };
    });
  }

  updateTalk(id: number, endMs: number, bytes: number, open: boolean): void {
    this.db.prepare('UPDATE talks SET end_ms = ?, bytes = ?, open = ? WHERE id = ?').run(endMs, bytes, open ? 1 : 0, id);
  }

  /** Names a talk recorded as `unknown` whose talker became known later (docs/recording.md "Who talks"). */
  nameTalk(id: number, user: string, role: string): boolean {
    return this.db.prepare("UPDATE talks SET user = ?, role = ? WHERE id = ? AND user = 'unknown' AND pseudonymised = 0").run(user, role, id).changes > 0;
  }

  talk(id: number): TalkRecord | undefined {
    const row = this.db.prepare('SELECT * FROM talks WHERE id = ?').get(id) as TalkRow | undefined;
    return row ? toTalk(row) : undefined;
  }

  openTalks(): TalkRecord[] {
    return (this.db.prepare('SELECT * FROM talks WHERE open = 1').all() as TalkRow[]).map(toTalk);
  }

  /** Talks on the loops overlapping [from, to], oldest first; at most `limit` + 1 so callers can tell "too many". */
  search(q: TalkQuery): TalkRecord[] {
    if (q.loops.length === 0) return [];
    const marks = q.loops.map(() => '?').join(',');
    const userClause = q.user !== undefined ? 'AND user = ?' : '';
    const params: Array<string | number> = [...q.loops, q.toMs, q.fromMs];
    if (q.user !== undefined) params.push(q.user);
    params.push(q.limit + 1);
    const rows = this.db
      .prepare(`SELECT * FROM talks WHERE loop IN (${marks}) AND start_ms <= ? AND end_ms >= ? ${userClause} ORDER BY start_ms, id LIMIT ?`)
      .all(...params) as TalkRow[];
    return rows.map(toTalk);
  }

  talksOfUser(user: string): TalkRecord[] {
    return (this.db.prepare('SELECT * FROM talks WHERE user = ? ORDER BY start_ms, id').all(user) as TalkRow[]).map(toTalk);
  }

  isHeld(id: number): boolean {
    return this.db.prepare(`SELECT 1 FROM talks t WHERE t.id = ? AND ${HELD}`).get(id) !== undefined;
  }

  /** Closed talks of a scope that ended before `beforeMs` and no hold covers. */
  expired(scope: string, beforeMs: number, limit: number): TalkRecord[] {
    return (
      this.db.prepare(`SELECT * FROM talks t WHERE t.scope = ? AND t.open = 0 AND t.end_ms < ? AND NOT ${HELD} ORDER BY t.end_ms LIMIT ?`).all(scope, beforeMs, limit) as TalkRow[]
    ).map(toTalk);
  }

  scopesWithTalks(): string[] {
    return (this.db.prepare('SELECT DISTINCT scope FROM talks').all() as Array<{ scope: string }>).map((r) => r.scope);
  }

  deleteTalk(id: number): void {
    this.db.prepare('DELETE FROM talks WHERE id = ?').run(id);
  }

  pseudonymise(id: number, pseudonym: string): void {
    this.db.prepare('UPDATE talks SET user = ?, pseudonymised = 1 WHERE id = ?').run(pseudonym, id);
  }

  addHold(h: Omit<Hold, 'id'>): Hold {
    const info = this.db
      .prepare('INSERT INTO holds (scope, loop, from_ms, to_ms, reason, by, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(h.scope, h.loop ?? null, h.fromMs, h.toMs, h.reason, h.by, h.createdMs);
    return { ...h, id: Number(info.lastInsertRowid) };
  }

  removeHold(id: number): Hold | undefined {
    const row = this.db.prepare('SELECT * FROM holds WHERE id = ?').get(id) as HoldRow | undefined;
    if (!row) return undefined;
    this.db.prepare('DELETE FROM holds WHERE id = ?').run(id);
    return toHold(row);
  }

  holds(scope: string): Hold[] {
    return (this.db.prepare('SELECT * FROM holds WHERE scope = ? ORDER BY id').all(scope) as HoldRow[]).map(toHold);
  }

  setRetention(scope: string, days: number): void {
    this.db.prepare('INSERT INTO retention (scope, days) VALUES (?, ?) ON CONFLICT(scope) DO UPDATE SET days = excluded.days').run(scope, days);
  }

  retention(scope: string): number | undefined {
    const row = this.db.prepare('SELECT days FROM retention WHERE scope = ?').get(scope) as { days: number } | undefined;
    return row?.days;
  }

  setSwitch(loop: string, recorded: boolean, by: string, atMs: number): void {
    this.db
      .prepare('INSERT INTO switches (loop, recorded, by, at_ms) VALUES (?, ?, ?, ?) ON CONFLICT(loop) DO UPDATE SET recorded = excluded.recorded, by = excluded.by, at_ms = excluded.at_ms')
      .run(loop, recorded ? 1 : 0, by, atMs);
  }

  /** Runtime record_start/record_stop decisions: loop key → recorded. */
  switches(): Map<string, boolean> {
    const rows = this.db.prepare('SELECT loop, recorded FROM switches').all() as Array<{ loop: string; recorded: number }>;
    return new Map(rows.map((r) => [r.loop, r.recorded === 1]));
  }
}
