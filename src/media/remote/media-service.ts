// A media host: the local media plane (edge + mixer engines) offered to the signaling services of its
// backend over the control plane. It announces itself (kind `edge`, capacity = media.maxSessions,
// load = sessions), serves the `media` command (every payload parsed first: a malformed one is
// refused, never applied) and sends each session's events to the signaling service that opened it.
// A session whose signaling service is gone (down in the registry, or it no longer knows the session)
// is closed here: nothing keeps capacity that nobody drives.
import type { Logger } from 'pino';
import type { Announcement, ControlPlane, ServiceInfo } from '../../control/control-plane.js';
import { ProtocolError } from '../../protocol/errors.js';
import type { MediaControl, MediaSession } from '../control.js';
import { EdgeError } from '../edge/edge-error.js';
import { EventOutbox } from './event-outbox.js';
import { HOST_LOST, MEDIA_COMMAND, MEDIA_HOST_ROLE, mediaCommandSchema, type MediaCommand, type MediaEvent } from './messages.js';

export interface MediaServiceOptions {
  control: ControlPlane;
  /** The local media plane (startMediaPlane) and how many sessions it takes. */
  media: MediaControl & { readonly sessionCount: number };
  maxSessions: number;
  id: string;
  backend: string;
  log: Logger;
  /** Stats snapshots to signaling this often (also how soon an orphaned session is found). */
  statsIntervalMs?: number;
  eventTimeoutMs?: number;
  meta?: Record<string, string>;
}

interface HostedSession {
  session: MediaSession;
  owner: string;
}

export class MediaService {
  private readonly sessions = new Map<string, HostedSession>();
  private readonly outboxes = new Map<string, EventOutbox>();
  private readonly announcement: Announcement;
  private readonly stopServing: () => void;
  private readonly stopWatching: () => void;
  private readonly statsTimer: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: MediaServiceOptions) {
    const { control, id } = options;
    this.stopServing = control.serve(id, MEDIA_COMMAND, (payload) => this.command(payload));
    this.stopWatching = control.on('down', (service) => this.ownerDown(service));
    options.media.onVoiceActivity((activity) => {
      // Every signaling service with a session here may have a socket on that loop.
      for (const owner of this.owners()) this.outbox(owner).push({ type: 'vad', ...activity });
    });
    this.statsTimer = setInterval(() => this.sendStats(), options.statsIntervalMs ?? 1000);
    this.statsTimer.unref();
    this.announcement = control.announce({
      id,
      kind: 'edge',
      backend: options.backend,
      capacity: options.maxSessions,
      load: 0,
      meta: { ...options.meta, role: MEDIA_HOST_ROLE },
    });
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  private async command(payload: unknown): Promise<unknown> {
    if (this.closed) throw new Error('media host is stopping');
    const parsed = mediaCommandSchema.safeParse(payload);
    if (!parsed.success) throw new Error(`malformed media command: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    const command = parsed.data;
    if (command.op === 'open') return this.open(command);
    const hosted = this.sessions.get(command.session);
    if (!hosted) {
      // A close that crossed the session's own end, or a command for a session that is gone.
      if (command.op === 'close') return {};
      throw new Error(`unknown media session ${command.session}`);
    }
    return this.apply(hosted.session, command);
  }

  private open(command: Extract<MediaCommand, { op: 'open' }>): unknown {
    // A retried open (its answer was lost) finds the session it made the first time.
    const existing = this.sessions.get(command.session);
    if (existing) return opened(existing.session);
    // The plane keys sessions by connection id: the session id is unique even when a socket reopens.
    let session: MediaSession;
    try {
      session = this.options.media.openSession({ ...command.client, connectionId: command.session });
    } catch (err) {
      // Full (10010): signaling tells the client, as with a local plane.
      if (err instanceof ProtocolError) return { refused: { code: 'no-resources', message: err.message.slice(0, 512) } };
      throw err;
    }
    const hosted: HostedSession = { session, owner: command.owner };
    this.sessions.set(command.session, hosted);
    const send = (event: MediaEvent): void => {
      if (this.sessions.get(command.session) === hosted) this.outbox(hosted.owner).push(event);
    };
    session.on('ready', () => send({ type: 'ready', session: command.session }));
    session.on('candidate', (candidate) => send({ type: 'candidate', session: command.session, candidate }));
    session.on('talkReleased', (loop) => send({ type: 'talk-released', session: command.session, loop }));
    session.on('closed', (loss) => {
      send({ type: 'closed', session: command.session, loss });
      this.forget(command.session);
    });
    this.announcement.setLoad(this.sessions.size);
    return opened(session);
  }

  private async apply(session: MediaSession, command: Exclude<MediaCommand, { op: 'open' }>): Promise<unknown> {
    switch (command.op) {
      case 'offer':
        return { sdp: await session.offer() };
      case 'answer':
        return refusal(() => session.answer(command.sdp));
      case 'candidate':
        return refusal(() => session.addCandidate(command.candidate));
      case 'end-of-candidates':
        session.endOfCandidates();
        return {};
      case 'set-loop':
        session.setLoop(command.loop, command.state, command.volume);
        return {};
      case 'set-talking':
        session.setTalking(command.loop, command.talking);
        return {};
      case 'close':
        this.closeSession(command.session);
        return {};
    }
  }

  private closeSession(id: string): void {
    const hosted = this.sessions.get(id);
    if (!hosted) return;
    this.forget(id);
    hosted.session.close();
  }

  private forget(id: string): void {
    if (!this.sessions.delete(id)) return;
    if (!this.closed) this.announcement.setLoad(this.sessions.size);
  }

  private owners(): Set<string> {
    return new Set([...this.sessions.values()].map((h) => h.owner));
  }

  private outbox(owner: string): EventOutbox {
    let outbox = this.outboxes.get(owner);
    if (!outbox) {
      outbox = new EventOutbox({
        control: this.options.control,
        host: this.options.id,
        owner,
        timeoutMs: this.options.eventTimeoutMs ?? 1000,
        onUnknown: (ids) => {
          for (const id of ids) if (this.sessions.get(id)?.owner === owner) this.closeSession(id);
        },
        onFailure: (message) => this.options.log.warn({ owner, problem: message }, 'media events not delivered'),
        onClosed: () => {
          if (this.outboxes.get(owner) === outbox) this.outboxes.delete(owner);
        },
      });
      this.outboxes.set(owner, outbox);
    }
    return outbox;
  }

  private sendStats(): void {
    const byOwner = new Map<string, Record<string, ReturnType<MediaSession['stats']>>>();
    for (const [id, { session, owner }] of this.sessions) {
      const stats = byOwner.get(owner) ?? {};
      stats[id] = session.stats();
      byOwner.set(owner, stats);
    }
    for (const [owner, stats] of byOwner) this.outbox(owner).push({ type: 'stats', stats });
  }

  /**
   * A signaling service is down here (crashed, withdrawn, or cut off from this host): its sessions have
   * nobody to drive them. Each is closed and reported as lost, so that a signaling service that was
   * only cut off learns it when it hears us again (its client then sets media up again).
   */
  private ownerDown(service: ServiceInfo): void {
    const orphans = [...this.sessions].filter(([, h]) => h.owner === service.id).map(([id]) => id);
    if (orphans.length === 0) return;
    this.options.log.info({ owner: service.id, sessions: orphans.length }, 'signaling service down: closing its media sessions');
    const outbox = this.outbox(service.id);
    for (const id of orphans) {
      outbox.push({ type: 'closed', session: id, loss: { code: HOST_LOST, description: 'the media host lost contact with its signaling service' } });
      this.closeSession(id);
    }
    outbox.closeWhenDrained();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.statsTimer);
    this.stopServing();
    this.stopWatching();
    await this.announcement.withdraw();
    for (const id of [...this.sessions.keys()]) this.closeSession(id);
    for (const outbox of this.outboxes.values()) outbox.close();
  }
}

/** The open's answer: the uplink SSRC, so signaling can name the talker in recordings (docs/recording.md). */
function opened(session: MediaSession): { ssrc?: number } {
  return session.ssrc !== undefined ? { ssrc: session.ssrc } : {};
}

/** What the edge refused in the client's input is an answer (signaling maps it to the client's error), not a failure. */
async function refusal(task: () => unknown): Promise<unknown> {
  try {
    await task();
    return {};
  } catch (err) {
    if (err instanceof EdgeError) return { refused: { code: err.code, message: err.message.slice(0, 512) } };
    if (err instanceof ProtocolError) return { refused: { code: 'native', message: err.message.slice(0, 512) } };
    throw err;
  }
}
