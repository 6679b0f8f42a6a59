// The keyset controller: login and session resume, role choice, one Backend per configured URL with the
// establish sequence (docs/openvocs-protocol.md §4), lead choice, and the glue to loops (loops.ts) and talk (talk.ts).
import { ProtocolRequestError, type PushMessage } from '../logic/envelope.js';
import { backendUrls, chooseLead } from '../logic/lead.js';
import { parseRoleLoops } from '../logic/loops.js';
import { loadSession, loadSettings, loginErrorText, saveSession, saveSettings, type Settings, type StoredSession } from '../logic/storage.js';
import { isJsonObject } from '../logic/types.js';
import { AudioOutput } from '../audio/output.js';
import { Microphone } from '../audio/microphone.js';
import { Backend } from '../net/backend.js';
import { MediaSession } from '../net/media.js';
import type { ProtocolSocket } from '../net/socket.js';
import { LiveChanges } from './live.js';
import { LoopSync } from './loops.js';
import { ui, type BackendView } from './state.js';
import { Talk } from './talk.js';

const KEEPALIVE_MS = 20 * 60_000; // sessions expire 60 min after the last login/update_login
const MEDIA_LOSS_WINDOW_MS = 60_000;
const MAX_MEDIA_LOSSES = 5;
/** openvocs drops a socket that switches loops before `media_ready`: wait for it, at most this long. */
const MEDIA_READY_TIMEOUT_MS = 15_000;

export class Keyset {
  readonly mic = new Microphone();
  readonly output = new AudioOutput();
  readonly loops: LoopSync;
  readonly talk: Talk;
  readonly live: LiveChanges;
  backends: Backend[] = [];
  leadUrl: string | undefined;
  private urls: string[] = [];
  private session: StoredSession | undefined;
  /** Kept in memory only, for backends that come up later than the first login. */
  private password: string | undefined;
  private chooseRole: ((role: string) => void) | undefined;
  private rolePicked: Promise<string> | undefined;
  private micOpened: Promise<boolean> | undefined;
  private keepalive: number | undefined;
  /** When each backend last lost its media (media_lost), within MEDIA_LOSS_WINDOW_MS. */
  private readonly mediaLosses = new WeakMap<Backend, number[]>();

  /**
   * `storage` keeps settings (shared by the browser's tabs); `sessionStorage` keeps this tab's client id and
   * sessions, so every tab is its own client and a reload still resumes.
   */
  constructor(
    private readonly storage: Storage,
    private readonly sessionStorage: Storage = storage,
  ) {
    this.loops = new LoopSync(this);
    this.talk = new Talk(this);
    this.live = new LiveChanges(this);
  }

  get client(): string {
    return this.session?.client ?? '';
  }

  get lead(): Backend | undefined {
    return this.backends.find((b) => b.url === this.leadUrl);
  }

  async boot(): Promise<void> {
    ui.settings.value = loadSettings(this.storage);
    this.urls = backendUrls(await fetchConfig(), location.href);
    this.session = loadSession(this.sessionStorage);
    if (this.session && Object.keys(this.session.sessions).length > 0) {
      ui.user.value = this.session.user;
      ui.phase.value = 'connecting';
      this.startBackends();
    } else {
      ui.phase.value = 'login';
    }
  }

  login(user: string, password: string): void {
    if (!user || !password) {
      ui.loginError.value = 'Enter user name and password.';
      return;
    }
    this.output.resume();
    this.session = { client: crypto.randomUUID(), user, sessions: {} };
    this.password = password;
    ui.user.value = user;
    ui.loginError.value = '';
    ui.loginBusy.value = true;
    this.startBackends();
  }

  pickRole(role: string): void {
    this.output.resume();
    this.chooseRole?.(role);
  }

  async logout(): Promise<void> {
    this.talk.ptt.stop();
    await Promise.all(this.backends.flatMap((b) => (b.socket ? [b.socket.request('logout', {}, 3000).catch(() => undefined)] : [])));
    this.reset('');
  }

  updateSettings(patch: Partial<Settings>): void {
    const before = ui.settings.value;
    const next = { ...before, ...patch };
    ui.settings.value = next;
    saveSettings(this.storage, next);
    if (next.micId !== before.micId) void this.reopenMicrophone();
    if (next.speakerId !== before.speakerId) void this.output.setSpeaker(next.speakerId);
    if (next.latch !== before.latch) this.talk.ptt.setLatch(next.latch);
    if (next.preferredLead !== before.preferredLead) this.updateLead();
  }

  /** Back to the login page: stop everything and forget the session. */
  private reset(error: string): void {
    for (const b of this.backends) b.stop();
    this.backends = [];
    this.leadUrl = undefined;
    this.mic.close();
    this.micOpened = undefined;
    this.output.play(undefined);
    this.live.reset();
    window.clearInterval(this.keepalive);
    this.session = undefined;
    this.password = undefined;
    this.rolePicked = undefined;
    saveSession(this.sessionStorage, undefined);
    this.loops.reset();
    ui.role.value = '';
    ui.loginBusy.value = false;
    ui.loginError.value = error;
    ui.phase.value = 'login';
    this.publish();
  }

  private startBackends(): void {
    const client = this.client;
    this.micOpened ??= this.mic.open(ui.settings.value.micId).then((ok) => ((ui.micError.value = ok ? '' : this.mic.error), ok));
    this.backends = this.urls.map(
      (url) =>
        new Backend(url, client, {
          establish: (b) => this.establish(b),
          onPush: (b, push) => this.onPush(b, push),
          onChange: () => this.onBackendChange(),
          onAuthFailed: (_b, error) => this.reset(this.password ? loginErrorText(error) : 'Your session has ended. Please log in again.'),
          othersReady: (b) => this.backends.some((other) => other !== b && other.ready),
        }),
    );
    for (const b of this.backends) b.start();
    window.clearInterval(this.keepalive);
    this.keepalive = window.setInterval(() => this.renewSessions(), KEEPALIVE_MS);
  }

  /** docs/openvocs-protocol.md §4 for one socket: login (session first), role, media, loops, re-applied states. */
  private async establish(b: Backend): Promise<void> {
    const socket = b.socket;
    const session = this.session;
    if (!socket || !session) throw new Error('not connected');
    const stored = session.sessions[b.url];
    let reply;
    try {
      reply = await socket.request('login', { user: session.user, password: stored ?? this.password ?? '' });
    } catch (error) {
      // A stale stored session with the password still at hand: log in with the password instead.
      if (!(error instanceof ProtocolRequestError && error.is('auth') && stored && this.password)) throw error;
      reply = await socket.request('login', { user: session.user, password: this.password });
    }
    if (typeof reply.session === 'string') session.sessions[b.url] = reply.session;
    saveSession(this.sessionStorage, session);
    ui.loginBusy.value = false;
    const role = await this.role(b);
    try {
      await socket.request('authorize', { role });
    } catch (error) {
      // The stored role was taken away: ask again on the next attempt.
      if (error instanceof ProtocolRequestError && error.is('auth') && session.role === role) {
        session.role = undefined;
        this.rolePicked = undefined;
        saveSession(this.sessionStorage, session);
      }
      throw error;
    }
    await this.startMedia(b, socket);
    // As the openvocs client: no loop is switched before this socket's media is ready (openvocs drops a socket
    // that does, on a reload or reconnect with loops on).
    await b.media?.whenReady(MEDIA_READY_TIMEOUT_MS);
    const loops = parseRoleLoops(await socket.request('role_loops'));
    await this.loops.resync(b, loops);
    ui.phase.value = 'keyset';
  }

  /** A new media session on this backend's socket, replacing any previous one. */
  private async startMedia(b: Backend, socket: ProtocolSocket): Promise<void> {
    await this.micOpened;
    b.media?.close();
    const media = new MediaSession(socket, this.mic.cloneTrack());
    b.media = media;
    media.onRemote = () => this.updateLead(true);
    media.onState = () => {
      if (b.media !== media) return;
      if (media.connectionState === 'failed') b.restart();
      this.publish();
      this.talk.apply();
    };
    await media.start();
  }

  /**
   * `media_lost` (Loopcast extension, docs/protocol.md): the server ended this socket's media by itself.
   * Set it up again on the same socket (loops stay switched); a backend that keeps losing it reconnects
   * instead, with the reconnect backoff.
   */
  private async recoverMedia(b: Backend): Promise<void> {
    const socket = b.socket;
    if (!socket) return;
    const now = Date.now();
    const recent = (this.mediaLosses.get(b) ?? []).filter((t) => now - t < MEDIA_LOSS_WINDOW_MS);
    recent.push(now);
    this.mediaLosses.set(b, recent);
    if (!b.ready || recent.length > MAX_MEDIA_LOSSES) return b.restart();
    try {
      await this.startMedia(b, socket);
    } catch {
      if (b.socket === socket) b.restart();
    }
    this.publish();
  }

  /**
   * The stored role when it is still allowed, the only role when there is one, else the operator's choice (the
   * admin role is not a keyset role). The role list is kept for the switcher in the top bar.
   */
  private async role(b: Backend): Promise<string> {
    const session = this.session;
    const reply = await b.socket!.request('user_roles');
    const roles = isJsonObject(reply.roles) ? Object.values(reply.roles).filter(isJsonObject) : [];
    ui.roles.value = roles
      .filter((r) => typeof r.id === 'string' && r.id !== 'admin')
      .map((r) => ({ id: String(r.id), name: typeof r.name === 'string' && r.name ? r.name : String(r.id) }));
    if (session?.role) return session.role;
    const only = ui.roles.value.length === 1 ? ui.roles.value[0]?.id : undefined;
    if (!this.rolePicked) {
      if (only) this.rolePicked = Promise.resolve(only);
      else {
        this.rolePicked = new Promise((resolve) => (this.chooseRole = resolve));
        ui.phase.value = 'role';
      }
    }
    const role = await this.rolePicked;
    if (session) {
      session.role = role;
      saveSession(this.sessionStorage, session);
    }
    ui.role.value = role;
    ui.phase.value = 'connecting';
    return role;
  }

  /** Another role without logging out: every socket logs in again (by session) and authorizes the new role. */
  switchRole(role: string): void {
    const session = this.session;
    if (!session || role === session.role || !ui.roles.value.some((r) => r.id === role)) return;
    this.talk.ptt.releaseAll();
    session.role = role;
    this.rolePicked = Promise.resolve(role);
    saveSession(this.sessionStorage, session);
    this.loops.reset();
    ui.role.value = role;
    ui.phase.value = 'connecting';
    for (const b of this.backends) b.restart();
  }

  private onPush(b: Backend, push: PushMessage): void {
    if (push.type === 'system_broadcast') return;
    if (push.event === 'media_lost') return void this.recoverMedia(b);
    if (this.live.onPush(b, push)) return;
    // Live indications come from the lead only; sibling switches (user broadcasts) from any backend.
    if (push.type === 'user_broadcast' || b.url === this.leadUrl) this.loops.onPush(push);
  }

  private onBackendChange(): void {
    if (ui.phase.value === 'login' && ui.loginBusy.value && this.password && !this.backends.some((b) => b.ready || b.socket)) {
      // An interactive login against unreachable backends: tell the operator instead of retrying silently.
      const error = this.backends[0]?.lastError ?? '';
      if (this.backends.every((b) => b.status === 'reconnecting')) return this.reset(loginErrorText(undefined, error ? `(${error})` : ''));
    }
    this.updateLead();
  }

  /** Chooses the lead backend; moves playback and the microphone to it when it changed. */
  updateLead(force = false): void {
    const health = this.backends.map((b) => ({ url: b.url, ready: b.ready }));
    const next = chooseLead(health, this.leadUrl, ui.settings.value.preferredLead || undefined);
    if (next !== this.leadUrl || force) {
      this.leadUrl = next;
      this.output.play(this.lead?.media?.remote);
    }
    if (this.session?.role) ui.role.value = this.session.role;
    this.talk.apply();
    this.publish();
    this.live.checkOutage();
  }

  publish(): void {
    ui.backends.value = this.backends.map(
      (b): BackendView => ({
        url: b.url,
        status: b.status,
        retryAt: b.retryAt,
        media: !b.media ? 'none' : b.media.flowing ? 'ready' : b.media.connectionState === 'failed' ? 'failed' : 'connecting',
        lead: b.url === this.leadUrl,
        error: b.lastError,
      }),
    );
  }

  private renewSessions(): void {
    const session = this.session;
    if (!session) return;
    for (const b of this.backends) {
      const id = session.sessions[b.url];
      if (b.ready && id) void b.socket?.request('update_login', { user: session.user, session: id }).catch(() => {});
    }
  }

  private async reopenMicrophone(): Promise<void> {
    if (!this.micOpened) return;
    const ok = await this.mic.open(ui.settings.value.micId);
    ui.micError.value = ok ? '' : this.mic.error;
    await Promise.all(this.backends.flatMap((b) => (b.media ? [b.media.replaceMicrophone(this.mic.cloneTrack())] : [])));
    this.talk.apply();
  }
}

/** `config.json` next to index.html; missing or broken means "same origin". Never cached (see sw.js). */
async function fetchConfig(): Promise<unknown> {
  try {
    const res = await fetch('config.json', { cache: 'no-store' });
    return res.ok ? await res.json() : undefined;
  } catch {
    return undefined;
  }
}
