// One client's media session on a media host, as signaling drives it over the control plane.
// Commands go out in the order signaling gave them (one chain per session: a loop switched on and
// off again must not arrive off, on). The open goes first and is idempotent (a retry finds the same
// session). A command the host never answers ends the session with `media-host-lost`: signaling
// pushes `media_lost` and the client sets media up again, on another host (and so do the clients of
// every other session on that host: a host that does not answer at all is lost as a whole).
import { EventEmitter } from 'node:events';
import { ControlTimeoutError, RemoteCommandError, type ControlPlane } from '../../control/control-plane.js';
import { errorMessage } from '../../control/plane-base.js';
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import type { LoopState } from '../../directory/permissions.js';
import type { LocalCandidate, MediaClientInfo, MediaLoop, MediaLoss, MediaSession, MediaSessionEvents, MediaStats, RemoteCandidate } from '../control.js';
import { EDGE_ERROR_CODES, EdgeError } from '../edge/edge-error.js';
import { checkRemoteCandidate } from '../edge/remote-check.js';
import { HOST_LOST, MEDIA_COMMAND, offerResultSchema, openResultSchema, refusalResultSchema, type MediaCommand, type MediaEvent } from './messages.js';

/** What a session needs from the RemoteMediaControl that made it. */
export interface SessionLink {
  control: ControlPlane;
  /** The media host's service id, and this signaling service's (where the host sends events). */
  host: string;
  owner: string;
  /** Fills in the loop's bus address (every host must join the same group). */
  addressOf: (loop: MediaLoop) => MediaLoop;
  timeoutMs: number;
  ended: (session: RemoteMediaSession) => void;
  /** The host answered the open with the session's uplink SSRC (names its talker in recordings). */
  talking: (session: RemoteMediaSession) => void;
  /** The host did not answer a command at all: every session on it is lost (RemoteMediaControl). */
  unanswered: (description: string) => void;
}

type Events = { [K in keyof MediaSessionEvents]: Parameters<MediaSessionEvents[K]> };
type Command = MediaCommand extends infer C ? (C extends { session: string } ? Omit<C, 'session'> : never) : never;

const NO_STATS: MediaStats = { connected: false, packetsIn: 0, packetsOut: 0, uplinkLoss: 0, uplinkJitterMs: 0 };

export class RemoteMediaSession implements MediaSession {
  private readonly events = new EventEmitter();
  private chain: Promise<unknown>;
  private offered = false;
  private held: LocalCandidate[] = [];
  private latest: MediaStats = NO_STATS;
  private over = false;
  private uplinkSsrc: number | undefined;
  readonly client: MediaClientInfo;

  constructor(
    private readonly link: SessionLink,
    readonly id: string,
    client: MediaClientInfo,
  ) {
    this.client = client;
    this.chain = this.command({ op: 'open', owner: link.owner, client }, `open-${id}`).then((result) => {
      const answer = openResultSchema.safeParse(result);
      if (answer.success && answer.data.refused) {
        // Full after all (the load we saw was old): the client's `media` request gets 10010.
        this.end(undefined, false);
        throw new ProtocolError(ErrorCode.noResources, answer.data.refused.message);
      }
      if (answer.success && answer.data.ssrc !== undefined && !this.over) {
        this.uplinkSsrc = answer.data.ssrc;
        this.link.talking(this);
      }
    });
    this.chain.catch(() => undefined);
  }

  get host(): string {
    return this.link.host;
  }

  get ended(): boolean {
    return this.over;
  }

  /** The uplink SSRC on the loop bus, once the host's answer to the open told it. */
  get ssrc(): number | undefined {
    return this.uplinkSsrc;
  }

  on<E extends keyof MediaSessionEvents>(event: E, listener: MediaSessionEvents[E]): void {
    this.events.on(event, listener);
  }

  private emit<E extends keyof Events>(event: E, ...args: Events[E]): void {
    this.events.emit(event, ...args);
  }

  async offer(): Promise<string> {
    const { sdp } = offerResultSchema.parse(await this.enqueue({ op: 'offer' }));
    this.offered = true;
    // Candidates that overtook the offer's answer go out after it (the client needs the offer first).
    for (const candidate of this.held.splice(0)) this.emit('candidate', candidate);
    return sdp;
  }

  async answer(sdp: string): Promise<void> {
    refuse(await this.enqueue({ op: 'answer', sdp }));
  }

  addCandidate(candidate: RemoteCandidate): void {
    // The same checks the edge makes, here too: a broken candidate is the client's 1008 at once.
    const verdict = checkRemoteCandidate(candidate.candidate, candidate.ufrag, undefined);
    if ('invalid' in verdict) throw new EdgeError('bad-candidate', verdict.invalid);
    if ('ignore' in verdict || this.over) return;
    this.fireAndForget({ op: 'candidate', candidate });
  }

  endOfCandidates(): void {
    if (!this.over) this.fireAndForget({ op: 'end-of-candidates' });
  }

  setLoop(loop: MediaLoop, state: LoopState, volume: number): void {
    if (!this.over) this.fireAndForget({ op: 'set-loop', loop: this.link.addressOf(loop), state, volume });
  }

  setTalking(loop: MediaLoop, talking: boolean): void {
    if (!this.over) this.fireAndForget({ op: 'set-talking', loop: this.link.addressOf(loop), talking });
  }

  stats(): MediaStats {
    return this.latest;
  }

  close(): void {
    this.end(undefined, true);
  }

  /** An event the host sent for this session (RemoteMediaControl checked it came from our host). */
  deliver(event: Exclude<MediaEvent, { type: 'stats' | 'vad' }>): void {
    if (this.over) return;
    switch (event.type) {
      case 'ready':
        return this.emit('ready');
      case 'candidate':
        if (this.offered) this.emit('candidate', event.candidate);
        else this.held.push(event.candidate);
        return;
      case 'talk-released':
        return this.emit('talkReleased', event.loop);
      case 'closed':
        return this.end(event.loss, false);
    }
  }

  updateStats(stats: MediaStats): void {
    this.latest = stats;
  }

  /** The host is gone or stopped answering: the session ended by itself (`closed`). */
  lose(loss: MediaLoss): void {
    this.end(loss, true);
  }

  /** `loss` undefined: close() (nobody is told); `tellHost`: free its session there, if it still lives. */
  private end(loss: MediaLoss | undefined, tellHost: boolean): void {
    if (this.over) return;
    this.over = true;
    this.latest = { ...this.latest, connected: false };
    this.link.ended(this);
    if (tellHost) this.command({ op: 'close' }, `close-${this.id}`, 0).catch(() => undefined);
    if (loss) this.emit('closed', loss);
  }

  private enqueue(command: Command): Promise<unknown> {
    const run = this.chain.then(() => {
      if (this.over) throw new EdgeError('closed', 'the media session has ended');
      return this.command(command);
    });
    this.chain = run.catch(() => undefined);
    return run.catch((err: unknown) => {
      // No answer, or the host failed the command (it no longer knows the session, it is stopping):
      // this session is of no use any more.
      if (err instanceof ControlTimeoutError) this.link.unanswered(`media host ${this.link.host} did not answer ${command.op}`);
      if (err instanceof RemoteCommandError) this.lose({ code: HOST_LOST, description: err.message.slice(0, 256) });
      throw err;
    });
  }

  private fireAndForget(command: Command): void {
    this.enqueue(command).then(refuse).catch((err: unknown) => {
      // Refused input (a candidate the edge would not take) changes nothing; a lost host ended the session already.
      if (!(err instanceof EdgeError) && !this.over) this.lose({ code: HOST_LOST, description: `media host ${this.link.host} failed ${command.op}: ${errorMessage(err)}`.slice(0, 256) });
    });
  }

  private command(command: Command, key?: string, retries = 2): Promise<unknown> {
    return this.link.control.request(this.link.host, MEDIA_COMMAND, { ...command, session: this.id }, { timeoutMs: this.link.timeoutMs, retries, ...(key ? { idempotencyKey: key } : {}) });
  }
}

/** A refusal in a command's answer becomes the EdgeError the local plane would have thrown. */
function refuse(result: unknown): void {
  const parsed = refusalResultSchema.safeParse(result);
  const refused = parsed.success ? parsed.data.refused : undefined;
  if (!refused) return;
  const code = EDGE_ERROR_CODES.find((c) => c === refused.code) ?? 'native';
  throw new EdgeError(code, refused.message);
}
