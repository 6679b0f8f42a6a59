// The history page's controller: one WebSocket, login, the playback role, the recorded loops, search, the
// mix link for the player and the exports. The server authorizes every step (docs/recording.md "Access");
// this only keeps the page's state in signals for the components.
import { computed, signal } from '@preact/signals';
import { RequestError } from '../../../../src/protocol/client/index.js';
import { ProtocolSocket } from '../net/socket.js';
import { playSpan, type Talk } from './timeline.js';

export type Phase = 'login' | 'role' | 'search';
export type Format = 'opus' | 'wav';

export interface LoopChoice {
  id: string;
  name: string;
}

export interface RoleChoice {
  id: string;
  name: string;
}

export interface Search {
  loops: string[];
  user: string;
  from: number;
  to: number;
}

/** What the server mixes at most per format (docs/recording.md "History"). */
export const MAX_MIX_MS: Record<Format, number> = { opus: 3_600_000, wav: 600_000 };
const SEARCH_LIMIT = 1000;

export function apiUrl(location: Location = window.location): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api`;
}

function describe(err: unknown): string {
  if (err instanceof RequestError) {
    if (err.is('auth')) return 'Wrong user name or password.';
    if (err.is('permission')) return 'You have no playback right for these loops.';
    return err.description;
  }
  return err instanceof Error ? err.message : String(err);
}

export class History {
  readonly phase = signal<Phase>('login');
  readonly busy = signal(false);
  readonly error = signal('');
  readonly user = signal('');
  readonly roles = signal<RoleChoice[]>([]);
  readonly role = signal<string | undefined>(undefined);
  readonly loops = signal<LoopChoice[]>([]);
  readonly searched = signal<Search | undefined>(undefined);
  readonly talks = signal<Talk[]>([]);
  readonly more = signal(false);
  /** The player's mix: a signed link and the wall-clock span it covers. */
  readonly mix = signal<{ uri: string; from: number; to: number } | undefined>(undefined);
  readonly note = signal('');
  readonly users = computed(() => [...new Set(this.talks.value.map((t) => t.user))].sort());

  private socket: ProtocolSocket | undefined;

  async login(user: string, password: string): Promise<void> {
    await this.run(async () => {
      this.socket?.close();
      const socket = await ProtocolSocket.open(apiUrl(), globalThis.crypto.randomUUID());
      socket.onClose = () => {
        if (this.socket !== socket) return;
        this.socket = undefined;
        this.phase.value = 'login';
        this.error.value = 'The connection to the server was closed. Please log in again.';
      };
      this.socket = socket;
      await socket.request('login', { user, password });
      this.user.value = user;
      const reply = await socket.request('user_roles');
      // Roles with the playback right; admins of the scope play back without one.
      const roles = Object.values(reply.roles).filter((r) => r.playback === true);
      this.roles.value = roles.map((r) => ({ id: r.id, name: typeof r.name === 'string' && r.name ? r.name : r.id }));
      if (roles.length > 1) this.phase.value = 'role';
      else await this.useRole(roles[0]?.id);
    });
  }

  async pickRole(role: string): Promise<void> {
    await this.run(() => this.useRole(role));
  }

  async logout(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    await socket?.request('logout').catch(() => undefined);
    socket?.close();
    this.phase.value = 'login';
    this.talks.value = [];
    this.searched.value = undefined;
    this.mix.value = undefined;
  }

  /** Talk records of the chosen loops in the range, then the mix link of the span they cover. */
  async search(query: Search): Promise<void> {
    await this.run(async () => {
      if (query.loops.length === 0) throw new Error('Choose at least one loop.');
      if (!(query.to > query.from)) throw new Error('The end of the range must be after its start.');
      const socket = this.requireSocket();
      const reply = await socket.request('recording_search', {
        loops: query.loops,
        from: query.from,
        to: query.to,
        limit: SEARCH_LIMIT,
        ...(query.user ? { user: query.user } : {}),
      });
      this.searched.value = query;
      this.talks.value = reply.talks;
      this.more.value = reply.more;
      this.mix.value = undefined;
      const span = playSpan(reply.talks, query.from, query.to);
      this.note.value = reply.talks.length === 0 ? 'Nobody talked on these loops in this range.' : reply.more ? `Showing the first ${SEARCH_LIMIT} talks: narrow the range for the rest.` : '';
      if (!span) return;
      const to = Math.min(span.to, span.from + MAX_MIX_MS.opus);
      if (to < span.to) this.note.value = 'The player holds one hour: it plays the first hour of talks; narrow the range for the rest.';
      const mixed = await socket.request('recording_mix', { loops: query.loops, from: span.from, to, format: 'opus' });
      this.mix.value = { uri: mixed.uri, from: span.from, to };
    });
  }

  /** A signed download link of the searched range's mix; undefined (with the reason shown) when not possible. */
  async exportLink(format: Format): Promise<string | undefined> {
    const query = this.searched.value;
    if (!query) return undefined;
    if (query.to - query.from > MAX_MIX_MS[format]) {
      this.error.value = `An export as ${format === 'wav' ? 'WAV' : 'Ogg Opus'} covers at most ${MAX_MIX_MS[format] / 60_000} minutes: narrow the range.`;
      return undefined;
    }
    let uri: string | undefined;
    await this.run(async () => {
      uri = (await this.requireSocket().request('recording_mix', { loops: query.loops, from: Math.floor(query.from), to: Math.ceil(query.to), format })).uri;
    });
    return uri;
  }

  private async useRole(role: string | undefined): Promise<void> {
    const socket = this.requireSocket();
    const names = new Map<string, string>();
    if (role) {
      await socket.request('authorize', { role });
      for (const loop of Object.values((await socket.request('role_loops')).loops)) names.set(loop.id, loop.name || loop.id);
    }
    this.role.value = role;
    const recorded = (await socket.request('get_recorded_loops')).result.map((r) => r.loop);
    this.loops.value = [...new Set(recorded)].sort().map((id) => ({ id, name: names.get(id) ?? id }));
    this.phase.value = 'search';
    if (this.loops.value.length === 0) this.note.value = 'No recorded loop you may play back.';
  }

  private requireSocket(): ProtocolSocket {
    if (!this.socket?.isOpen) throw new Error('Not connected: please log in again.');
    return this.socket;
  }

  private async run(step: () => Promise<void>): Promise<void> {
    this.busy.value = true;
    this.error.value = '';
    try {
      await step();
    } catch (err) {
      this.error.value = describe(err);
    } finally {
      this.busy.value = false;
    }
  }
}
