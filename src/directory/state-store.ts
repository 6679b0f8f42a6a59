// Per-user state kept across logouts and restarts, in the openvocs `state.json` format:
// `{ "<user>": { "<role>": { "<loop>": { "state", "volume" } }, "data": { <set_user_data> } } }`.
import { join } from 'node:path';
import { z } from 'zod';
import { DurableFile } from './atomic-file.js';
import { readOptionalJsonFile } from './json-file.js';
import type { LoopState } from './permissions.js';

const loopSettingSchema = z.looseObject({
  state: z.enum(['none', 'recv', 'send']).optional(),
  volume: z.number().min(0).max(100).optional(),
});
type LoopSettingRecord = z.infer<typeof loopSettingSchema>;

/** `data` shares the namespace with role ids, as in openvocs; other keys are roles. */
const userStateSchema = z.record(z.string(), z.record(z.string(), z.unknown()));
const stateFileSchema = z.record(z.string(), userStateSchema);
type StateFile = z.infer<typeof stateFileSchema>;

export interface LoopSetting {
  state: LoopState;
  volume: number;
}

export const DEFAULT_VOLUME = 50;
const DATA_KEY = 'data';

export class StateStore {
  private readonly file: DurableFile;

  private constructor(
    path: string,
    private readonly state: StateFile,
  ) {
    this.file = new DurableFile(path, () => `${JSON.stringify(this.state, null, 2)}\n`);
  }

  static async load(root: string): Promise<StateStore> {
    const path = join(root, 'state.json');
    return new StateStore(path, await readOptionalJsonFile(path, stateFileSchema, () => ({})));
  }

  /** Writes the current state (also used by the admin `save` event). */
  save(): Promise<void> {
    return this.file.save();
  }

  private settingRecord(userId: string, roleId: string, loopId: string): LoopSettingRecord | undefined {
    if (roleId === DATA_KEY) return undefined;
    const parsed = loopSettingSchema.safeParse(this.state[userId]?.[roleId]?.[loopId]);
    return parsed.success ? parsed.data : undefined;
  }

  loopSetting(userId: string, roleId: string, loopId: string): LoopSetting {
    const setting = this.settingRecord(userId, roleId, loopId);
    return { state: setting?.state ?? 'none', volume: setting?.volume ?? DEFAULT_VOLUME };
  }

  private update(userId: string, roleId: string, loopId: string, change: LoopSettingRecord): Promise<void> {
    const user = (this.state[userId] ??= {});
    const role = (user[roleId] ??= {});
    role[loopId] = { ...(this.settingRecord(userId, roleId, loopId) ?? {}), ...change };
    return this.file.save();
  }

  setLoopState(userId: string, roleId: string, loopId: string, state: LoopState): Promise<void> {
    return this.update(userId, roleId, loopId, { state });
  }

  setLoopVolume(userId: string, roleId: string, loopId: string, volume: number): Promise<void> {
    return this.update(userId, roleId, loopId, { volume });
  }

  userData(userId: string): Record<string, unknown> {
    return this.state[userId]?.[DATA_KEY] ?? {};
  }

  setUserData(userId: string, data: Record<string, unknown>): Promise<void> {
    (this.state[userId] ??= {})[DATA_KEY] = data;
    return this.file.save();
  }

  /** Forget a deleted user's state so a new user of the same id starts clean. */
  forgetUser(userId: string): Promise<void> {
    if (!Object.hasOwn(this.state, userId)) return Promise.resolve();
    delete this.state[userId];
    return this.file.save();
  }
}
