// Login sessions in a replicated JetStream key-value bucket (`loopcast-sessions`), one key per session
// digest (`session.<sha-256 hex>`, never the id), so a client resumes its login (openvocs `login` with
// the session id, `update_login`) on any backend of the deployed system. A value is schema-checked on
// receipt and an expired one ignored. Keys not renewed for a session lifetime are dropped by the server
// (the bucket's max_age), so abandoned sessions do not pile up in the cluster.
import type { NatsConnection } from 'nats';
import { SESSION_LIFETIME_MS, sessionSchema, type SessionRecord } from '../../directory/session-store.js';
import { KvRecords } from './kv-records.js';

export const SESSIONS_BUCKET = 'loopcast-sessions';
/** Past a session's lifetime (renewals rewrite the key), with slack for clocks a little apart. */
export const SESSIONS_MAX_AGE_MS = SESSION_LIFETIME_MS + 5 * 60 * 1000;

const DIGEST = /^[0-9a-f]{64}$/;

export const sessionKey = (digest: string): string => `session.${digest}`;
export const digestOf = (key: string): string | undefined => {
  const digest = key.startsWith('session.') ? key.slice('session.'.length) : '';
  return DIGEST.test(digest) ? digest : undefined;
};

/** The session in a received value, or undefined (malformed, or expired at `now`). */
export function decodeSession(value: Uint8Array, now: number): SessionRecord | undefined {
  try {
    const parsed = sessionSchema.safeParse(JSON.parse(Buffer.from(value).toString('utf8')) as unknown);
    return parsed.success && parsed.data.expires > now ? { user: parsed.data.user, client: parsed.data.client, expires: parsed.data.expires } : undefined;
  } catch {
    return undefined;
  }
}

/** A DurableValue<Sessions> for SessionStore.over. */
export type ReplicatedSessions = KvRecords<SessionRecord>;

export const ReplicatedSessions = {
  open(connection: NatsConnection, options: { bucket?: string; replicas?: number; now?: () => number } = {}): Promise<ReplicatedSessions> {
    const now = options.now ?? Date.now;
    return KvRecords.open<SessionRecord>(connection, {
      bucket: options.bucket ?? SESSIONS_BUCKET,
      replicas: options.replicas ?? 3,
      maxAgeMs: SESSIONS_MAX_AGE_MS,
      keyOf: sessionKey,
      nameOf: digestOf,
      decode: (value) => decodeSession(value, now()),
    });
  },
};
