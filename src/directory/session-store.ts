// Login sessions: random 128-bit ids, valid 60 min after the last login/update_login, bound to the
// client id that obtained them, persisted (as SHA-256 digests, never the ids) across restarts.
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { DurableFile } from './atomic-file.js';
import { readOptionalJsonFile } from './json-file.js';

export const SESSION_LIFETIME_MS = 60 * 60 * 1000;

const sessionSchema = z.object({ user: z.string(), client: z.string(), expires: z.number() });
const sessionFileSchema = z.object({ sessions: z.record(z.string(), sessionSchema).default({}) });

export type SessionRecord = z.infer<typeof sessionSchema>;

function digest(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('hex');
}

/** 128 random bits, formatted like the uuids the openvocs backend hands out. */
function newSessionId(): string {
  const hex = randomBytes(16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export class SessionStore {
  private readonly file: DurableFile;

  private constructor(
    path: string,
    private readonly sessions: Map<string, SessionRecord>,
    private readonly now: () => number,
  ) {
    this.file = new DurableFile(path, () => this.serialize());
  }

  static async load(root: string, now: () => number = Date.now): Promise<SessionStore> {
    const path = join(root, 'sessions.json');
    const data = await readOptionalJsonFile(path, sessionFileSchema, () => ({ sessions: {} }));
    return new SessionStore(path, new Map(Object.entries(data.sessions)), now);
  }

  private serialize(): string {
    const at = this.now();
    const live = [...this.sessions].filter(([, s]) => s.expires > at);
    return `${JSON.stringify({ sessions: Object.fromEntries(live) }, null, 2)}\n`;
  }

  /** Issues a new session; resolves once it is durable (a restart will still accept it). */
  async create(user: string, client: string, maxPerUser = Infinity): Promise<string> {
    const id = newSessionId();
    // Per-user cap (signaling `limits.maxStoredSessionsPerUser`): the sessions expiring first go.
    const own = [...this.sessions].filter(([, r]) => r.user === user).sort((a, b) => a[1].expires - b[1].expires);
    for (const [key] of own.slice(0, Math.max(0, own.length - maxPerUser + 1))) this.sessions.delete(key);
    this.sessions.set(digest(id), { user, client, expires: this.now() + SESSION_LIFETIME_MS });
    await this.file.save();
    return id;
  }

  /** The live session with this id, if it belongs to `user` (and to `client`, when given). */
  find(sessionId: string, user: string, client?: string): SessionRecord | undefined {
    const record = this.sessions.get(digest(sessionId));
    if (!record || record.expires <= this.now() || record.user !== user) return undefined;
    if (client !== undefined && record.client !== client) return undefined;
    return record;
  }

  async renew(sessionId: string): Promise<void> {
    const record = this.sessions.get(digest(sessionId));
    if (!record) return;
    record.expires = this.now() + SESSION_LIFETIME_MS;
    await this.file.save();
  }

  async revoke(sessionId: string): Promise<void> {
    if (this.sessions.delete(digest(sessionId))) await this.file.save();
  }

  /** Ends every session of `user` except `keep` (a user changing their own password stays logged in there). */
  async revokeUser(user: string, keep?: string): Promise<void> {
    const kept = keep === undefined ? undefined : digest(keep);
    let changed = false;
    for (const [key, record] of this.sessions) {
      if (record.user === user && key !== kept) {
        this.sessions.delete(key);
        changed = true;
      }
    }
    if (changed) await this.file.save();
  }
}
