// MediaControl for a signaling service without a media plane of its own: every client session is
// placed on a media host of the backend (a `loopcast serve --services edge,mixer` process) and driven
// over the control plane. When a host goes down (its heartbeats stop) every session on it ends with
// `media-host-lost`; signaling pushes `media_lost`, the client asks for media again and lands on a
// host that is alive. Voice activity of a loop mixed on several hosts is combined (vad-combiner.ts).
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ControlPlane, ServiceInfo } from '../../control/control-plane.js';
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import type { MediaClientInfo, MediaControl, MediaLoop, MediaSession, VoiceActivity } from '../control.js';
import { TalkerListeners, type TalkerChange, type TalkerSource } from '../talkers.js';
import { chooseMediaHost, isMediaHost } from './host-choice.js';
import { HOST_LOST, MEDIA_EVENTS_COMMAND, mediaEventBatchSchema, type MediaEventBatch } from './messages.js';
import { RemoteMediaSession, type SessionLink } from './remote-session.js';
import { VadCombiner } from './vad-combiner.js';

/** How long a host that left a command unanswered gets no new sessions (unless it goes down first). */
const SUSPECT_MS = 5000;

export interface RemoteMediaOptions {
  control: ControlPlane;
  backend: string;
  /** This signaling service's id in the registry: media hosts send its sessions' events there. */
  id: string;
  /** Fills in a loop's bus address before it goes to a host (default: as it is). */
  addressOf?: (loop: MediaLoop) => MediaLoop;
  /** Per command attempt (two retries follow). */
  timeoutMs?: number;
  log?: Logger;
  /** Prometheus registry for the media-host metrics (docs/operations.md). */
  registry?: Registry;
}

export class RemoteMediaControl implements MediaControl, TalkerSource {
  private readonly sessions = new Map<string, RemoteMediaSession>();
  /** Hosts that left a command unanswered, until when they get no new sessions. */
  private readonly suspects = new Map<string, number>();
  private readonly vad = new VadCombiner();
  private readonly activity = new EventEmitter<{ vad: [VoiceActivity] }>();
  private readonly talkers = new TalkerListeners();
  private readonly stopServing: () => void;
  private readonly stopWatching: () => void;
  private readonly lostCounter: Counter<'reason'> | undefined;

  constructor(private readonly options: RemoteMediaOptions) {
    const registers = options.registry ? [options.registry] : undefined;
    if (registers) {
      this.lostCounter = new Counter({ name: 'loopcast_media_hosts_lost_total', help: 'Media hosts lost while carrying sessions of this signaling process, by reason (down: heartbeats stopped; unanswered: a command got no answer)', labelNames: ['reason'] as const, registers });
      const hosts = () => options.control.services('edge').filter((s) => isMediaHost(s, options.backend));
      new Gauge({ name: 'loopcast_media_hosts', help: 'Media hosts of this backend that are up', registers, collect() { this.set(hosts().length); } });
      const sessions = this.sessions;
      new Gauge({ name: 'loopcast_media_host_sessions', help: 'Media sessions this signaling process has on media hosts', registers, collect() { this.set(sessions.size); } });
    }
    this.stopServing = options.control.serve(options.id, MEDIA_EVENTS_COMMAND, (payload) => Promise.resolve(this.receive(payload)));
    this.stopWatching = options.control.on('down', (service) => this.hostDown(service));
  }

  openSession(client: MediaClientInfo): MediaSession {
    const { control, backend } = this.options;
    const host = chooseMediaHost(control.services('edge'), backend, this.placed(), this.suspectsNow());
    if (!host) throw new ProtocolError(ErrorCode.noResources, `no more resources: no media host of backend ${backend} has a free session`);
    const link: SessionLink = {
      control,
      host: host.id,
      owner: this.options.id,
      addressOf: this.options.addressOf ?? ((loop) => loop),
      timeoutMs: this.options.timeoutMs ?? 1000,
      ended: (session) => {
        if (this.sessions.get(session.id) !== session) return;
        this.sessions.delete(session.id);
        if (session.ssrc !== undefined) this.talkers.emit({ ssrc: session.ssrc, client: session.client, present: false });
      },
      talking: (session) => {
        if (this.sessions.get(session.id) === session && session.ssrc !== undefined) this.talkers.emit({ ssrc: session.ssrc, client: session.client, present: true });
      },
      unanswered: (description) => this.hostLost(host.id, description, true),
    };
    const session = new RemoteMediaSession(link, `ms-${randomBytes(12).toString('hex')}`, client);
    this.sessions.set(session.id, session);
    return session;
  }

  onVoiceActivity(listener: (activity: VoiceActivity) => void): void {
    this.activity.on('vad', listener);
  }

  /** Who talks with `ssrc` among this process's sessions (on any of its hosts); two with it: nobody (no guess). */
  clientOfSsrc(ssrc: number): MediaClientInfo | undefined {
    let found: MediaClientInfo | undefined;
    for (const session of this.sessions.values()) {
      if (session.ssrc !== ssrc) continue;
      if (found) return undefined;
      found = session.client;
    }
    return found;
  }

  onTalker(listener: (change: TalkerChange) => void): () => void {
    const known = [...this.sessions.values()].flatMap((s) => (s.ssrc !== undefined ? [{ ssrc: s.ssrc, client: s.client }] : []));
    return this.talkers.add(listener, known);
  }

  /** Readiness: a media host of this backend can take a session now. */
  hostsCheck(): { ok: boolean; detail?: string } {
    const { control, backend } = this.options;
    const live = control.services('edge').filter((s) => isMediaHost(s, backend));
    if (chooseMediaHost(live, backend, this.placed(), this.suspectsNow())) return { ok: true, detail: `${live.length} media host(s)` };
    return { ok: false, detail: live.length === 0 ? `no media host of backend ${backend} is up` : `no media host of backend ${backend} has a free session` };
  }

  private suspectsNow(): Set<string> {
    const now = Date.now();
    for (const [id, until] of this.suspects) if (until <= now) this.suspects.delete(id);
    return new Set(this.suspects.keys());
  }

  /** Sessions on each host now (diagnostics, tests). */
  placed(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const s of this.sessions.values()) counts.set(s.host, (counts.get(s.host) ?? 0) + 1);
    return counts;
  }

  /** A batch of events from a media host; answers with the sessions we do not know. */
  private receive(payload: unknown): { unknown: string[] } {
    const parsed = mediaEventBatchSchema.safeParse(payload);
    if (!parsed.success) throw new Error('malformed media events');
    const { host, events } = parsed.data;
    const unknown = new Set<string>();
    // Only the host a session lives on speaks for it.
    const ours = (id: string): RemoteMediaSession | undefined => {
      const session = this.sessions.get(id);
      if (session?.host === host) return session;
      unknown.add(id);
      return undefined;
    };
    for (const event of events) this.apply(host, event, ours);
    return { unknown: [...unknown] };
  }

  private apply(host: string, event: MediaEventBatch['events'][number], ours: (id: string) => RemoteMediaSession | undefined): void {
    switch (event.type) {
      case 'stats':
        for (const [id, stats] of Object.entries(event.stats)) ours(id)?.updateStats(stats);
        return;
      case 'vad': {
        const change = this.vad.report(host, { loop: event.loop, on: event.on, talkers: event.talkers });
        if (change) this.emitActivity(change);
        return;
      }
      case 'closed': {
        // A session that ended there: not an unknown one to be closed again.
        const session = this.sessions.get(event.session);
        if (session?.host === host) session.deliver(event);
        return;
      }
      default:
        ours(event.session)?.deliver(event);
    }
  }

  private hostDown(service: ServiceInfo): void {
    this.suspects.delete(service.id);
    this.hostLost(service.id, `media host ${service.id} is down (no heartbeat)`, false);
    for (const change of this.vad.dropHost(service.id)) this.emitActivity(change);
  }

  /** Down, or a command to it went unanswered: its sessions end (their clients move elsewhere). */
  private hostLost(host: string, description: string, unanswered: boolean): void {
    const lost = [...this.sessions.values()].filter((s) => s.host === host);
    // Alive by its heartbeats but not answering: no new sessions there for a while.
    if (unanswered) this.suspects.set(host, Date.now() + SUSPECT_MS);
    if (lost.length > 0) {
      this.options.log?.warn({ host, sessions: lost.length, reason: description }, 'media host down: its sessions are lost');
      this.lostCounter?.inc({ reason: unanswered ? 'unanswered' : 'down' });
    }
    for (const session of lost) session.lose({ code: HOST_LOST, description });
  }

  private emitActivity(activity: VoiceActivity): void {
    for (const listener of this.activity.listeners('vad')) {
      try {
        listener(activity);
      } catch (err) {
        this.options.log?.error({ err }, 'voice activity listener failed');
      }
    }
  }

  close(): Promise<void> {
    for (const session of [...this.sessions.values()]) session.close();
    this.stopServing();
    this.stopWatching();
    this.activity.removeAllListeners();
    return Promise.resolve();
  }
}
