// Login sessions: random 128-bit ids, valid 60 min after the last login/update_login, bound to the
// client id that obtained them, persisted (as SHA-256 digests, never the ids) across restarts: in
// sessions.json, or replicated between the backends of a deployed system (src/control/nats).
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { DurableState, type DurableValue } from './durable-state.js';
import { readOptionalJsonFile } from './json-file.js';

export const SESSION_LIFETIME_MS = 60 * 60 * 1000;

export const sessionSchema = z.object({ user: z.string(), client: z.string(), expires: z.number() });
const sessionFileSchema = z.object({ sessions: z.record(z.string(), sessionSchema).default({}) });

export type SessionRecord = z.infer<typeof sessionSchema>;

/** What is stored and replicated instead of the id: a leaked store lets no one log in. */
export function sessionDigest(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('hex');
}

/** 128 random bits, formatted like the uuids the openvocs backend hands out. */
function newSessionId(): string {
  const hex = randomBytes(16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Sessions by digest (null-prototype); changed copy-on-write: a changed record is replaced, never edited. */
export type Sessions = Record<string, SessionRecord>;

const noSessions = (): Sessions => Object.create(null) as Sessions;

export class SessionStore {
  private constructor(
    private readonly store: DurableValue<Sessions>,
    private readonly now: () => number,
  ) {}

  /** Over another durable value (the replicated sessions of a deployed system, src/control/nats). */
  static over(store: DurableValue<Sessions>, now: () => number = Date.now): SessionStore {
    return new SessionStore(store, now);
  }

  static async load(root: string, now: () => number = Date.now): Promise<SessionStore> {
    const path = join(root, 'sessions.json');
    const data = await readOptionalJsonFile(path, sessionFileSchema, () => ({ sessions: {} }));
    const serialize = (sessions: Sessions): string => {
      const at = now();
      const live = Object.entries(sessions).filter(([, s]) => s.expires > at);
      return `${JSON.stringify({ sessions: Object.fromEntries(live) }, null, 2)}\n`;
    };
    const sessions = Object.assign(noSessions(), data.sessions);
    return new SessionStore(new DurableState(path, sessions, { copy: (value) => Object.assign(noSessions(), value), serialize }), now);
  }

  private has(key: string): boolean {
    return Object.hasOwn(this.store.value, key);
  }

  /** Issues a new session; resolves once it is durable (a restart will still accept it), never before it is usable. */
  async create(user: string, client: string, maxPerUser = Infinity): Promise<string> {
    const id = newSessionId();
    const record = { user, client, expires: this.now() + SESSION_LIFETIME_MS };
    const at = this.now();
    await this.store.update((draft) => {
      // Expired sessions go here: nothing else removes them from a replicated store.
      for (const [key, r] of Object.entries(draft)) if (r.expires <= at) delete draft[key];
      // Per-user cap (signaling `limits.maxStoredSessionsPerUser`): the sessions expiring first go.
      const own = Object.entries(draft).filter(([, r]) => r.user === user).sort((a, b) => a[1].expires - b[1].expires);
      for (const [key] of own.slice(0, Math.max(0, own.length - maxPerUser + 1))) delete draft[key];
      draft[sessionDigest(id)] = record;
    });
    return id;
  }

  /** The live session with this id, if it belongs to `user` (and to `client`, when given). */
  find(sessionId: string, user: string, client?: string): SessionRecord | undefined {
    const key = sessionDigest(sessionId);
    const record = this.has(key) ? this.store.value[key] : undefined;
    if (!record || record.expires <= this.now() || record.user !== user) return undefined;
    if (client !== undefined && record.client !== client) return undefined;
    return record;
  }

  async renew(sessionId: string): Promise<void> {
    const key = sessionDigest(sessionId);
    if (!this.has(key)) return;
    const expires = this.now() + SESSION_LIFETIME_MS;
    await this.store.update((draft) => {
      const record = Object.hasOwn(draft, key) ? draft[key] : undefined;
      if (record) draft[key] = { ...record, expires };
    });
  }

  async revoke(sessionId: string): Promise<void> {
    const key = sessionDigest(sessionId);
    if (!this.has(key)) return;
    await this.store.update((draft) => {
      delete draft[key];
    });
  }

  /** Ends every session of `user` except `keep` (a user changing their own password stays logged in there). */
  async revokeUser(user: string, keep?: string): Promise<void> {
    const kept = keep === undefined ? undefined : sessionDigest(keep);
    if (!Object.entries(this.store.value).some(([key, record]) => record.user === user && key !== kept)) return;
    await this.store.update((draft) => {
      for (const [key, record] of Object.entries(draft)) if (record.user === user && key !== kept) delete draft[key];
    });
  }
}
