// Per-user state kept across logouts and restarts, in the openvocs `state.json` format:
// `{ "<user>": { "<role>": { "<loop>": { "state", "volume" } }, "data": { <set_user_data> } } }`.
// Held as null-prototype objects (any id is data); every change is durable before it is visible.
import { join } from 'node:path';
import { z } from 'zod';
import { reservedKeyPath, RESERVED_KEY_MESSAGE, withoutReservedKeys } from '../protocol/reserved.js';
import { DurableState, type DurableValue } from './durable-state.js';
import { readOptionalJsonFile } from './json-file.js';
import { nullProtoCopy, ownValue } from './json-tree.js';
import { clampState, type LoopPermission, type LoopState } from './permissions.js';
import { jsonPath } from './schema.js';
import { DirectoryChangeError } from './validation.js';

const loopSettingSchema = z.looseObject({
  state: z.enum(['none', 'recv', 'send']).optional(),
  volume: z.number().min(0).max(100).optional(),
});
type LoopSettingRecord = z.infer<typeof loopSettingSchema>;

/** `data` shares the namespace with role ids, as in openvocs; other keys are roles. */
type UserState = Record<string, Record<string, unknown>>;
export const stateFileSchema = withoutReservedKeys(z.record(z.string(), z.record(z.string(), z.record(z.string(), z.unknown()))));
export type StateFile = Record<string, UserState>;

export interface LoopSetting {
  state: LoopState;
  volume: number;
}

export const DEFAULT_VOLUME = 50;
const DATA_KEY = 'data';

const emptyObject = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

/** Copy-on-write: the batch copies the top level; each change replaces one user's subtree with a changed copy. */
const codec = {
  copy: (state: StateFile): StateFile => Object.assign(emptyObject<UserState>(), state),
  serialize: (state: StateFile): string => `${JSON.stringify(state, null, 2)}\n`,
};

function editUser(draft: StateFile, userId: string, edit: (user: UserState) => void): void {
  const user = nullProtoCopy(ownValue(draft, userId) ?? emptyObject<Record<string, unknown>>());
  edit(user);
  draft[userId] = user;
}

export class StateStore {
  private constructor(private readonly store: DurableValue<StateFile>) {}

  /** Over another durable value (the replicated state of a deployed backend, src/control/nats). */
  static over(store: DurableValue<StateFile>): StateStore {
    return new StateStore(store);
  }

  static async load(root: string): Promise<StateStore> {
    const path = join(root, 'state.json');
    const state = nullProtoCopy(await readOptionalJsonFile(path, stateFileSchema, () => ({})));
    return new StateStore(new DurableState(path, state, codec));
  }

  /** Writes the current state again (the admin `save` event). */
  save(): Promise<void> {
    return this.store.flush();
  }

  private settingRecord(userId: string, roleId: string, loopId: string): LoopSettingRecord | undefined {
    if (roleId === DATA_KEY) return undefined;
    const parsed = loopSettingSchema.safeParse(ownValue(ownValue(ownValue(this.store.value, userId), roleId), loopId));
    return parsed.success ? parsed.data : undefined;
  }

  loopSetting(userId: string, roleId: string, loopId: string): LoopSetting {
    const setting = this.settingRecord(userId, roleId, loopId);
    return { state: setting?.state ?? 'none', volume: setting?.volume ?? DEFAULT_VOLUME };
  }

  private update(userId: string, roleId: string, loopId: string, change: LoopSettingRecord): Promise<void> {
    if (roleId === DATA_KEY) return Promise.reject(new DirectoryChangeError('$', `role "${DATA_KEY}" cannot keep loop settings (the key holds user data)`));
    return this.store.update((draft) => {
      editUser(draft, userId, (user) => {
        const role = ownValue(user, roleId) ?? emptyObject();
        const previous = loopSettingSchema.safeParse(ownValue(role, loopId));
        role[loopId] = Object.assign(emptyObject(), previous.success ? previous.data : {}, change);
        user[roleId] = role;
      });
    });
  }

  setLoopState(userId: string, roleId: string, loopId: string, state: LoopState): Promise<void> {
    return this.update(userId, roleId, loopId, { state });
  }

  setLoopVolume(userId: string, roleId: string, loopId: string, volume: number): Promise<void> {
    return this.update(userId, roleId, loopId, { volume });
  }

  userData(userId: string): Record<string, unknown> {
    return ownValue(ownValue(this.store.value, userId), DATA_KEY) ?? {};
  }

  setUserData(userId: string, data: Record<string, unknown>): Promise<void> {
    const reserved = reservedKeyPath(data);
    if (reserved) return Promise.reject(new DirectoryChangeError(jsonPath(reserved), RESERVED_KEY_MESSAGE, reserved));
    const copy = nullProtoCopy(data);
    return this.store.update((draft) => editUser(draft, userId, (user) => (user[DATA_KEY] = copy)));
  }

  /**
   * Rewrite every stored loop state the permission no longer allows (talk → monitor → off), so that
   * the file says what `role_loops` reports. `permissionOf` answers undefined where the user, role or
   * loop is unknown: those entries are left alone. Writes only when something changes; resolves with
   * the number of states rewritten once they are durable.
   */
  async clampStates(permissionOf: (userId: string, roleId: string, loopId: string) => LoopPermission | undefined): Promise<number> {
    const reductions = (state: StateFile): Array<[string, string, string, LoopState]> => {
      const found: Array<[string, string, string, LoopState]> = [];
      for (const userId of Object.keys(state)) {
        const user = ownValue(state, userId) ?? {};
        for (const roleId of Object.keys(user)) {
          if (roleId === DATA_KEY) continue;
          const role = ownValue(user, roleId);
          if (!role || typeof role !== 'object') continue;
          for (const loopId of Object.keys(role)) {
            const stored = loopSettingSchema.safeParse(ownValue(role, loopId)).data?.state;
            const permission = stored && stored !== 'none' ? permissionOf(userId, roleId, loopId) : undefined;
            if (!stored || !permission) continue;
            const allowed = clampState(permission, stored);
            if (allowed !== stored) found.push([userId, roleId, loopId, allowed]);
          }
        }
      }
      return found;
    };
    if (reductions(this.store.value).length === 0) return 0;
    let rewritten = 0;
    // Recomputed against the value the batch writes over: a change queued meanwhile is not lost.
    await this.store.update((draft) => {
      const found = reductions(draft);
      rewritten = found.length;
      for (const [userId, roleId, loopId, state] of found) {
        editUser(draft, userId, (user) => {
          const role = ownValue(user, roleId) ?? emptyObject();
          role[loopId] = Object.assign(emptyObject(), loopSettingSchema.parse(ownValue(role, loopId)), { state });
          user[roleId] = role;
        });
      }
    });
    return rewritten;
  }

  /** Forget a deleted user's state so a new user of the same id starts clean. */
  forgetUser(userId: string): Promise<void> {
    if (!Object.hasOwn(this.store.value, userId)) return Promise.resolve();
    return this.store.update((draft) => {
      delete draft[userId];
    });
  }
}
