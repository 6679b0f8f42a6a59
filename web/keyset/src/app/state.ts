// UI state as signals: the controller writes, components read. Nothing here talks to the network.
import { signal } from '@preact/signals';
import type { LoopMap } from '../logic/loops.js';
import type { Quality } from '../logic/quality.js';
import { DEFAULT_SETTINGS, type Settings } from '../logic/storage.js';
import type { Role } from '../logic/types.js';
import type { BackendStatus } from '../net/backend.js';

export type Phase = 'boot' | 'login' | 'role' | 'connecting' | 'keyset';

export interface BackendView {
  url: string;
  status: BackendStatus;
  /** Epoch ms of the next reconnect attempt while reconnecting. */
  retryAt?: number;
  media: 'none' | 'connecting' | 'ready' | 'failed';
  lead: boolean;
  error: string;
}

export const ui = {
  phase: signal<Phase>('boot'),
  loginBusy: signal(false),
  loginError: signal(''),
  user: signal(''),
  role: signal(''),
  roles: signal<Role[]>([]),
  loops: signal<LoopMap>({}),
  backends: signal<BackendView[]>([]),
  /** The operator holds push-to-talk (or latched it). */
  pttActive: signal(false),
  /** The microphone is really on the wire: PTT active and a talk loop selected on a connected lead. */
  transmitting: signal(false),
  micLevel: signal(-100),
  micError: signal(''),
  quality: signal<Quality | undefined>(undefined),
  settings: signal<Settings>({ ...DEFAULT_SETTINGS }),
  page: signal(1),
  settingsOpen: signal(false),
  notice: signal(''),
  /** No backend is up: nothing on screen is live (grid greyed, talkers cleared). */
  stale: signal(false),
  /** Display names by `user/role`, from `loop_participants`. */
  names: signal<ReadonlyMap<string, { user_name: string; role_name: string }>>(new Map()),
};
