// The SIP gateway over UDP and TCP: phones call a loop by its number, authenticate with digest
// credentials or a caller id and PIN (DTMF), and join the loop (RFC 3261 UAS: INVITE/ACK/BYE/CANCEL/
// OPTIONS, 200 OK retransmitted until ACKed); operators call out through the configured trunk (UAC).
// Only configured numbers, accounts and caller ids: it never relays a call. Who calls: caller-auth.ts;
// dialog messages: sip-dialog.ts; calls out: call-out.ts; loop bridges: loop-bridges.ts.
import { randomBytes, randomInt } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import type { Server } from 'node:net';
import { EventEmitter } from 'node:events';
import { limitedLog } from '../../log/log-limiter.js';
import { sipPartySchema } from '../../protocol/sip-shapes.js';
import { answeredCall, startCallOut } from './call-out.js';
import { CallMedia } from './call-media.js';
import { CallerAuth } from './caller-auth.js';
import { LoopBridges } from './loop-bridges.js';
import { T1, type OutgoingResult } from './outgoing-invite.js';
import { PinEntry } from './pin-entry.js';
import { Registrations, type RegistrationStatus } from './registrations.js';
import { buildAudioSdp, parseAudioOffer } from './sdp.js';
import { ALLOW, byeRequest, contactHeader, plainResponse, type Call, type Dialing, type LocalAddress } from './sip-dialog.js';
import { header, parseSip, responseTo, serializeSip, uriOf, userOf, type SipHeader, type SipMessage, type SipRequest, type SipResponse } from './sip-message.js';
import type { CallInfo, SipGatewayEvents, SipGatewayOptions, SipLoopTarget, SipStatus } from './sip-types.js';
import { bindUdpAndTcp, listenTcp, type SipPeer } from './sip-transport.js';

export type { CallInfo, SipAccess, SipGatewayEvents, SipGatewayOptions, SipLoopTarget } from './sip-types.js';

/** A call out that cannot be placed (no trunk, bad destination, limit). */
export class SipDialError extends Error {
  override name = 'SipDialError';
}

export class SipGateway extends EventEmitter<SipGatewayEvents> {
  private readonly calls = new Map<string, Call>();
  private readonly dialing = new Map<string, Dialing>();
  private readonly bridges: LoopBridges;
  private readonly callers: CallerAuth;
  private readonly watchdog: NodeJS.Timeout;
  private readonly local: LocalAddress;

  private tcp: Server | undefined;
  private registrations: Registrations | undefined;

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
    private readonly options: SipGatewayOptions,
  ) {
    super();
    this.callers = new CallerAuth(options.realm, options.access, options.log);
    this.bridges = new LoopBridges(options.bus);
    this.local = { host: options.host, port };
    socket.on('message', (data, rinfo) => {
      const message = parseSip(data);
      if (message) this.receive(message, this.udpPeer(rinfo.address, rinfo.port));
    });
    // Once a second: silent phones are hung up, expired call permissions end their calls.
    this.watchdog = setInterval(() => {
      this.checkMedia();
      this.recheck();
    }, 1000);
    this.watchdog.unref();
  }

  static async start(options: SipGatewayOptions): Promise<SipGateway> {
    // A TCP message may come before the gateway exists (dropped then): the listener looks it up late.
    const late: { gateway?: SipGateway } = {};
    // SIP over UDP and TCP on the same port number (RFC 3261 §18).
    const bound = await bindUdpAndTcp(options.port, {
      bindUdp: async (port) => {
        const socket = createSocket('udp4');
        await new Promise<void>((resolve, reject) => {
          socket.once('error', (err) => {
            socket.close();
            reject(err);
          });
          socket.bind(port, options.host, () => {
            socket.removeAllListeners('error');
            resolve();
          });
        });
        return { socket, port: socket.address().port };
      },
      listenTcp: (port) => listenTcp({ host: options.host, port, maxConnections: 256, idleMs: 300_000, onMessage: (m, peer) => late.gateway?.receive(m, peer) }),
      closeUdp: (socket) => new Promise<void>((resolve) => socket.close(() => resolve())),
    });
    const socket = bound.udp;
    const port = bound.port;
    socket.on('error', (err) => options.log.warn({ err }, 'SIP socket error'));
    const gateway = new SipGateway(socket, port, options);
    gateway.tcp = bound.tcp;
    late.gateway = gateway;
    options.log.info({ host: options.host, port }, 'SIP gateway listening (UDP and TCP)');
    if (options.registrations?.length) {
      gateway.registrations = new Registrations(options.registrations, {
        local: { host: options.host, port },
        sendUdp: (data, host, to) => socket.send(data, to, host),
        log: options.log,
        ...options.registrationTiming,
      });
      gateway.registrations.start();
    }
    return gateway;
  }

  private udpPeer(address: string, port: number): SipPeer {
    return { transport: 'UDP', address, port, send: (data) => this.socket.send(data, port, address) };
  }

  /** Calls on a loop (callers still typing their PIN are not). */
  list(): CallInfo[] {
    return [...this.calls.values()].filter((c) => !c.pin).map((c) => ({ ...c.info }));
  }

  status(): SipStatus {
    return { connected: true, calls: this.list().length, max_calls: this.options.maxCalls, transports: ['udp', 'tcp'], outbound: this.options.outbound !== undefined };
  }

  /** Each configured registration's state (registered, failing with its reason, …). */
  registrationStatus(): RegistrationStatus[] {
    return this.registrations?.status() ?? [];
  }

  /** Ends a call from our side (BYE to the phone). */
  hangup(callId: string, reason = 'hangup'): boolean {
    const pending = this.dialing.get(callId);
    if (pending) {
      pending.outgoing.cancel();
      return true;
    }
    const call = this.calls.get(callId);
    if (!call) return false;
    this.sendBye(call);
    this.end(call, reason);
    return true;
  }

  /**
   * Calls `destination` (a user part at the configured outbound trunk, never an arbitrary host) into
   * `loop`. Resolves once the INVITE is out; `call` is emitted when answered, `hangup` if it fails.
   */
  async dial(loop: SipLoopTarget, destination: string, user: string): Promise<CallInfo> {
    const trunk = this.options.outbound;
    if (!trunk) throw new SipDialError('no outbound trunk configured');
    if (!sipPartySchema.safeParse(destination).success) throw new SipDialError('destination must be a number or user name');
    if (this.calls.size + this.dialing.size >= this.options.maxCalls) throw new SipDialError('call limit reached');
    const callId = `${randomBytes(12).toString('hex')}@${this.options.host}`;
    const requestUri = `sip:${destination}@${trunk.host}:${trunk.port}`;
    const info: CallInfo = { callId, direction: 'out', loop: loop.key, peer: requestUri, user, since: Date.now() };
    const remote = this.udpPeer(trunk.host, trunk.port);
    const pending = await startCallOut({
      info,
      requestUri,
      local: this.local,
      trunk: remote,
      bridge: this.bridges.bridgeFor(loop),
      loopSsrc: this.bridges.allocateSsrc(),
      ringTimeoutMs: this.options.ringTimeoutMs ?? 60_000,
      onTalking: (t) => this.emit('talking', info, t),
      send: (m, to) => this.send(m, to),
      onResult: (result, from) => this.dialled(callId, remote, from, result),
    });
    this.dialing.set(callId, pending);
    this.options.log.info({ callId, loop: loop.key, destination, user }, 'SIP call out');
    return { ...info };
  }

  private dialled(callId: string, remote: SipPeer, from: string, result: OutgoingResult): void {
    const pending = this.dialing.get(callId);
    if (!pending) return;
    this.dialing.delete(callId);
    if (result.kind === 'failed') {
      pending.media.close();
      this.options.log.info({ callId, status: result.status }, 'SIP call out failed');
      this.emit('hangup', { ...pending.info }, `${result.status} ${result.reason}`);
      return;
    }
    const call = answeredCall(pending, remote, from, result);
    this.calls.set(callId, call);
    this.options.log.info({ callId, loop: call.info.loop, law: result.answer.law }, 'SIP call out answered');
    this.emit('call', { ...call.info });
  }

  /**
   * Applies rights changes to running incoming calls: a caller whose role lost the loop is hung up,
   * one that may now only listen is no longer heard (and the reverse). Call after directory changes.
   */
  recheck(): void {
    for (const call of [...this.calls.values()]) {
      if (call.info.direction !== 'in') continue;
      const permission = this.options.access.permission(call.info.user, { key: call.info.loop });
      if (permission === 'none') this.hangup(call.info.callId, 'permission revoked');
      else call.media.mayTalk = permission === 'send';
    }
  }

  async close(): Promise<void> {
    clearInterval(this.watchdog);
    for (const pending of this.dialing.values()) {
      pending.outgoing.close();
      pending.media.close();
    }
    this.dialing.clear();
    for (const callId of [...this.calls.keys()]) this.hangup(callId, 'gateway closed');
    this.bridges.close();
    // Unregister (Expires: 0) while the socket is still open; a silent registrar delays shutdown ≤ 2 s.
    await this.registrations?.stop(2000);
    const tcp = this.tcp;
    if (tcp) {
      tcp.close();
      // Open phone connections would keep the server (and the process) alive.
      (tcp as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
    }
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  private receive(message: SipMessage, remote: SipPeer): void {
    if (message.kind === 'response') {
      // Our INVITEs' responses go to their transaction; responses to our BYEs need no action.
      if (this.registrations?.receive(message, remote.address)) return;
      const callId = header(message, 'call-id') ?? '';
      return (this.dialing.get(callId)?.outgoing ?? this.calls.get(callId)?.outgoing)?.receive(message);
    }
    const missing = ['via', 'from', 'to', 'call-id', 'cseq'].find((h) => header(message, h) === undefined);
    if (missing) return this.reply(message, remote, 400, `Missing ${missing}`);
    try {
      this.handle(message, remote);
    } catch (err) {
      this.options.log.error({ err, method: message.method }, 'SIP request failed');
      this.reply(message, remote, 500, 'Server Internal Error');
    }
  }

  private handle(request: SipRequest, remote: SipPeer): void {
    const callId = header(request, 'call-id') ?? '';
    const call = this.calls.get(callId);
    switch (request.method) {
      case 'INVITE':
        // A retransmission gets the same answer; re-INVITEs (hold, codec change) are not offered.
        if (call) return call.ok && header(request, 'cseq') === call.inviteCSeq ? this.send(call.ok, remote) : this.reply(request, remote, 488, 'Not Acceptable Here');
        void this.invite(request, remote, callId);
        return;
      case 'ACK':
        if (call) {
          call.acked = true;
          clearTimeout(call.retransmit);
        }
        return;
      case 'BYE':
        if (!call) return this.reply(request, remote, 481, 'Call/Transaction Does Not Exist');
        this.reply(request, remote, 200, 'OK');
        return this.end(call, 'remote hangup');
      case 'CANCEL':
        // Calls are answered at once: nothing is pending to cancel.
        return this.reply(request, remote, call ? 200 : 481, call ? 'OK' : 'Call/Transaction Does Not Exist');
      case 'OPTIONS':
        return this.reply(request, remote, 200, 'OK', [{ name: 'Allow', value: ALLOW }]);
      default:
        return this.reply(request, remote, 405, 'Method Not Allowed', [{ name: 'Allow', value: ALLOW }]);
    }
  }

  private async invite(request: SipRequest, remote: SipPeer, callId: string): Promise<void> {
    const number = userOf(request.uri);
    const target = number !== undefined ? this.options.access.loopOf(number) : undefined;
    if (target === undefined) return this.reply(request, remote, 404, 'Not Found');
    const caller = this.callers.check(request, remote.address);
    if (caller.kind === 'refused') return this.reply(request, remote, caller.status, caller.reason, caller.headers);
    const permission = this.options.access.permission(caller.name, target);
    if (permission === 'none') {
      limitedLog(this.options.log).warn({ number, address: remote.address }, 'SIP call refused (credentials)');
      return this.reply(request, remote, 403, 'Forbidden');
    }
    // One call waiting for its PIN per caller id: a known (forgeable) number cannot fill the gateway.
    const waiting = caller.pin !== undefined && [...this.calls.values()].some((c) => c.pin && c.info.user === caller.name);
    if (waiting || this.calls.size >= this.options.maxCalls) return this.reply(request, remote, 486, 'Busy Here');
    const offer = parseAudioOffer(request.body);
    // A PIN is typed as telephone-events: a phone that offers none could never get in.
    if (!offer || (caller.pin !== undefined && offer.dtmfPayloadType === undefined)) return this.reply(request, remote, 488, 'Not Acceptable Here');
    this.reply(request, remote, 100, 'Trying');
    const info: CallInfo = { callId, direction: 'in', loop: target.key, peer: uriOf(header(request, 'from') ?? ''), user: caller.name, since: Date.now() };
    const media = await CallMedia.open({
      bindAddress: this.options.host,
      remote: offer,
      bridge: this.bridges.bridgeFor(target),
      mayTalk: permission === 'send',
      talkMode: this.options.access.talkModeOf?.(caller.name) ?? 'voice',
      loopSsrc: this.bridges.allocateSsrc(),
      onTalking: (talking) => this.emit('talking', info, talking),
      locked: caller.pin !== undefined,
      onDtmf: (timestamp, payload) => this.pinTyped(callId, timestamp, payload),
    });
    if (this.calls.has(callId)) return media.close(); // a retransmitted INVITE raced us
    const toTag = randomBytes(6).toString('hex');
    const sdp = buildAudioSdp({ address: this.options.host, port: media.port, laws: [offer.law], sessionId: String(randomInt(1, 2 ** 31)), ...(offer.dtmfPayloadType !== undefined ? { dtmfPayloadType: offer.dtmfPayloadType } : {}) });
    const ok = responseTo(request, 200, 'OK', [contactHeader(this.local, remote.transport), { name: 'Allow', value: ALLOW }, { name: 'Content-Type', value: 'application/sdp' }], sdp, toTag);
    const from = header(request, 'from') ?? '';
    const dialog = { local: `${header(request, 'to') ?? ''};tag=${toTag}`, remote: from, target: uriOf(header(request, 'contact') ?? from) };
    const call: Call = { info, media, remote, dialog, inviteCSeq: header(request, 'cseq') ?? '', ok, acked: false, retransmit: undefined, localCSeq: 1 };
    if (caller.pin !== undefined) {
      const timer = setTimeout(() => this.hangup(callId, 'no PIN in time'), this.options.pinTimeoutMs ?? 30_000);
      timer.unref();
      call.pin = { entry: new PinEntry(caller.pin, this.options.pinAttempts ?? 3), timer };
    }
    this.calls.set(callId, call);
    this.send(ok, remote);
    this.retransmitOk(call, T1);
    if (call.pin) this.options.log.info({ callId, loop: target.key, caller: caller.name }, 'SIP caller answered, waiting for its PIN');
    else this.joined(call);
  }

  /** A key of a caller still locked out of the loop: the PIN decides. */
  private pinTyped(callId: string, timestamp: number, payload: Buffer): void {
    const call = this.calls.get(callId);
    const pin = call?.pin;
    if (!call || !pin) return;
    const result = pin.entry.push(timestamp, payload);
    if (result === 'pending') return;
    const callerId = call.info.user;
    if (result === 'accepted') {
      clearTimeout(pin.timer);
      call.pin = undefined;
      this.callers.pins.succeeded(callerId);
      call.media.unlock();
      this.joined(call);
      return;
    }
    this.callers.pins.failed(callerId);
    this.options.log.info({ callId, caller: callerId }, 'SIP caller typed a wrong PIN');
    if (result === 'exhausted' || this.callers.pins.blocked(callerId)) this.hangup(callId, 'wrong PIN');
  }

  private joined(call: Call): void {
    this.options.log.info({ callId: call.info.callId, loop: call.info.loop, user: call.info.user }, 'SIP call joined loop');
    this.emit('call', { ...call.info });
  }

  /** RFC 3261 §13.3.1.4: resend the 200 until the ACK arrives; no ACK within 64·T1 ends the call. */
  private retransmitOk(call: Call, interval: number): void {
    call.retransmit = setTimeout(() => {
      if (call.acked || !this.calls.has(call.info.callId)) return;
      if (interval >= 32 * T1) {
        this.sendBye(call);
        this.end(call, 'no ACK');
        return;
      }
      if (call.ok) this.send(call.ok, call.remote);
      this.retransmitOk(call, Math.min(interval * 2, 4000));
    }, interval);
    call.retransmit.unref();
  }

  private checkMedia(): void {
    const now = Date.now();
    for (const call of [...this.calls.values()]) {
      if (now - call.media.lastRtpAt > this.options.mediaTimeoutMs) this.hangup(call.info.callId, 'media timeout');
    }
  }

  private end(call: Call, reason: string): void {
    if (this.calls.get(call.info.callId) !== call) return;
    this.calls.delete(call.info.callId);
    clearTimeout(call.retransmit);
    if (call.pin) clearTimeout(call.pin.timer);
    call.outgoing?.close();
    call.media.close();
    this.options.log.info({ callId: call.info.callId, loop: call.info.loop, reason }, 'SIP call ended');
    // A caller that never got past its PIN was never announced on the loop.
    if (!call.pin) this.emit('hangup', { ...call.info }, reason);
  }

  private sendBye(call: Call): void {
    this.send(byeRequest(call, this.local), call.remote);
  }

  private reply(request: SipRequest, remote: SipPeer, status: number, reason: string, extra: SipHeader[] = []): void {
    this.send(plainResponse(request, status, reason, extra), remote);
  }

  /** Responses go back to where the request came from (RFC 3581 symmetric response routing). */
  private send(message: SipRequest | SipResponse, remote: SipPeer): void {
    remote.send(serializeSip(message));
  }
}
