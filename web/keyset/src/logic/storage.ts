// What the keyset remembers in localStorage: the client id and sessions (auto re-login after a reload,
// docs/openvocs-protocol.md §5 login) and the operator's settings. Reads are validated: storage may hold anything.
import type { ProtocolRequestError } from './envelope.js';
import { parseHotkeys, type Hotkey } from './hotkeys.js';
import { isJsonObject } from './types.js';

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface StoredSession {
  /** This tab's client id, reused after a reload while a session is valid. */
  client: string;
  user: string;
  role?: string;
  /** Session id per backend URL (every backend issues its own). */
  sessions: Record<string, string>;
}

export interface Settings {
  micId: string;
  speakerId: string;
  /** KeyboardEvent.code of the push-to-talk key. */
  pttKey: string;
  latch: boolean;
  multiTalk: boolean;
  theme: 'dark' | 'light';
  /** Backend the operator picked as lead; empty = automatic. */
  preferredLead: string;
  /** Per-key hotkeys: a key bound to one loop's talk or listen (logic/hotkeys.ts). */
  hotkeys: Hotkey[];
}

export const DEFAULT_SETTINGS: Settings = { micId: '', speakerId: '', pttKey: 'Space', latch: false, multiTalk: false, theme: 'dark', preferredLead: '', hotkeys: [] };

const SESSION_KEY = 'loopcast.keyset.session';
const SETTINGS_KEY = 'loopcast.keyset.settings';

function read(store: KeyValueStore, key: string): unknown {
  try {
    return JSON.parse(store.getItem(key) ?? 'null');
  } catch {
    return null;
  }
}

export function loadSession(store: KeyValueStore): StoredSession | undefined {
  const raw = read(store, SESSION_KEY);
  if (!isJsonObject(raw) || typeof raw.client !== 'string' || typeof raw.user !== 'string' || !isJsonObject(raw.sessions)) return undefined;
  const sessions: Record<string, string> = {};
  for (const [url, id] of Object.entries(raw.sessions)) if (typeof id === 'string') sessions[url] = id;
  const out: StoredSession = { client: raw.client, user: raw.user, sessions };
  if (typeof raw.role === 'string') out.role = raw.role;
  return out;
}

export function saveSession(store: KeyValueStore, session: StoredSession | undefined): void {
  if (session) store.setItem(SESSION_KEY, JSON.stringify(session));
  else store.removeItem(SESSION_KEY);
}

export function loadSettings(store: KeyValueStore): Settings {
  const raw = read(store, SETTINGS_KEY);
  const out = { ...DEFAULT_SETTINGS };
  if (!isJsonObject(raw)) return out;
  for (const key of ['micId', 'speakerId', 'pttKey', 'preferredLead'] as const) if (typeof raw[key] === 'string') out[key] = raw[key];
  for (const key of ['latch', 'multiTalk'] as const) if (typeof raw[key] === 'boolean') out[key] = raw[key];
  if (raw.theme === 'light' || raw.theme === 'dark') out.theme = raw.theme;
  if (out.pttKey === '') out.pttKey = DEFAULT_SETTINGS.pttKey;
  out.hotkeys = parseHotkeys(raw.hotkeys).filter((h) => h.code !== out.pttKey);
  return out;
}

export function saveSettings(store: KeyValueStore, settings: Settings): void {
  store.setItem(SETTINGS_KEY, JSON.stringify(settings));
}

/** A failed login (undefined: the server was not reached) → what the operator reads. By error name, never by text. */
export function loginErrorText(error: ProtocolRequestError | undefined, detail = ''): string {
  if (!error) return `Cannot reach the server. ${detail}`.trim();
  if (error.is('loginThrottled')) {
    const wait = error.details?.retryAfterSeconds;
    return typeof wait === 'number' ? `Too many failed attempts: retry in ${wait} s.` : 'Too many failed attempts. Please wait a moment.';
  }
  if (error.is('auth')) return 'Wrong user name or password.';
  if (error.temporary) return 'The server is busy. Please try again in a moment.';
  return `Login failed: ${error.description} (${error.code}).`;
}
