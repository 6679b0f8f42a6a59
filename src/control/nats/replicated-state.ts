// Per-user state (loop states, volumes, user data; the openvocs state.json) in a replicated JetStream
// key-value bucket, one key per user (`user.<id base64url>`, kv-records.ts). Last writer wins per user:
// both backends receive every switch of a client connected to both (openvocs backend redundancy) and
// write the same values, and a backend that takes over after the other died finds the user's state there.
import type { NatsConnection } from 'nats';
import { readOptionalJsonFile } from '../../directory/json-file.js';
import { nullProtoCopy } from '../../directory/json-tree.js';
import { stateFileSchema, type StateFile } from '../../directory/state-store.js';
import { KvRecords } from './kv-records.js';

type UserState = StateFile[string];

export const userKey = (userId: string): string => `user.${Buffer.from(userId, 'utf8').toString('base64url')}`;
export const userOf = (key: string): string | undefined => (key.startsWith('user.') && key.length > 5 ? Buffer.from(key.slice(5), 'base64url').toString('utf8') : undefined);

/** Checked as one user of a state.json (same schema, reserved keys refused). */
export function decodeUser(value: Uint8Array): UserState | undefined {
  try {
    const parsed = stateFileSchema.safeParse({ user: JSON.parse(Buffer.from(value).toString('utf8')) as unknown });
    return parsed.success && parsed.data.user ? nullProtoCopy(parsed.data.user) : undefined;
  } catch {
    return undefined;
  }
}

/** A DurableValue<StateFile> for StateStore.over. */
export type ReplicatedState = KvRecords<UserState>;

export const ReplicatedState = {
  /** `seedRoot`: the first backend started brings its state.json into an empty bucket. */
  open(connection: NatsConnection, options: { bucket?: string; replicas?: number; seedRoot?: string } = {}): Promise<ReplicatedState> {
    const { seedRoot } = options;
    return KvRecords.open<UserState>(connection, {
      bucket: options.bucket ?? 'loopcast-state',
      replicas: options.replicas ?? 3,
      keyOf: userKey,
      nameOf: userOf,
      decode: decodeUser,
      ...(seedRoot !== undefined ? { seed: () => readOptionalJsonFile(`${seedRoot}/state.json`, stateFileSchema, () => ({})) } : {}),
    });
  },
};
