// Login sessions: random 128-bit ids, valid 60 min after the last login/update_login, bound to the
// client id that obtained them, persisted (as SHA-256 digests, never the ids) across restarts.
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { DurableState } from './durable-state.js';
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

/** Live sessions by digest; copied per write batch (small: one entry per login). */
type Sessions = Map<string, SessionRecord>;

export class SessionStore {
  private readonly store: DurableState<Sessions>;

  private constructor(
    path: string,
    sessions: Sessions,
    private readonly now: () => number,
  ) {
    this.store = new DurableState(path, sessions, {
      copy: (value) => new Map([...value].map(([key, record]) => [key, { ...record }])),
      serialize: (value) => this.serialize(value),
    });
  }

  static async load(root: string, now: () => number = Date.now): Promise<SessionStore> {
    const path = join(root, 'sessions.json');
    const data = await readOptionalJsonFile(path, sessionFileSchema, () => ({ sessions: {} }));
    return new SessionStore(path, new Map(Object.entries(data.sessions)), now);
  }

  private serialize(sessions: Sessions): string {
    const at = this.now();
    const live = [...sessions].filter(([, s]) => s.expires > at);
    return `${JSON.stringify({ sessions: Object.fromEntries(live) }, null, 2)}\n`;
  }

  /** Issues a new session; resolves once it is durable (a restart will still accept it), never before it is usable. */
  async create(user: string, client: string, maxPerUser = Infinity): Promise<string> {
    const id = newSessionId();
    const record = { user, client, expires: this.now() + SESSION_LIFETIME_MS };
    await this.store.update((draft) => {
      // Per-user cap (signaling `limits.maxStoredSessionsPerUser`): the sessions expiring first go.
      const own = [...draft].filter(([, r]) => r.user === user).sort((a, b) => a[1].expires - b[1].expires);
      for (const [key] of own.slice(0, Math.max(0, own.length - maxPerUser + 1))) draft.delete(key);
      draft.set(digest(id), record);
    });
    return id;
  }

  /** The live session with this id, if it belongs to `user` (and to `client`, when given). */
  find(sessionId: string, user: string, client?: string): SessionRecord | undefined {
    const record = this.store.value.get(digest(sessionId));
    if (!record || record.expires <= this.now() || record.user !== user) return undefined;
    if (client !== undefined && record.client !== client) return undefined;
    return record;
  }

  async renew(sessionId: string): Promise<void> {
    const key = digest(sessionId);
    if (!this.store.value.has(key)) return;
    const expires = this.now() + SESSION_LIFETIME_MS;
    await this.store.update((draft) => {
      const record = draft.get(key);
      if (record) record.expires = expires;
    });
  }

  async revoke(sessionId: string): Promise<void> {
    const key = digest(sessionId);
    if (!this.store.value.has(key)) return;
    await this.store.update((draft) => draft.delete(key));
  }

  /** Ends every session of `user` except `keep` (a user changing their own password stays logged in there). */
  async revokeUser(user: string, keep?: string): Promise<void> {
    const kept = keep === undefined ? undefined : digest(keep);
    if (![...this.store.value].some(([key, record]) => record.user === user && key !== kept)) return;
    await this.store.update((draft) => {
      for (const [key, record] of draft) if (record.user === user && key !== kept) draft.delete(key);
    });
  }
}
