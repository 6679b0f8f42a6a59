// The SIP gateway's server side over UDP: phones call a loop by its number, authenticate with
// digest credentials, and join the loop (RFC 3261 UAS: INVITE/ACK/BYE/CANCEL/OPTIONS, 200 OK
// retransmitted until ACKed). Only configured numbers and accounts: it never relays a call.
import { randomBytes, randomInt } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import type { Server } from 'node:net';
import { EventEmitter } from 'node:events';
import { TickClock } from '../../media/clock.js';
import { CallMedia } from './call-media.js';
import { LoopBridge } from './loop-bridge.js';
import { DigestAuth } from './digest.js';
import { buildAudioSdp, parseAudioOffer } from './sdp.js';
import { OutgoingInvite, T1, type OutgoingResult } from './outgoing-invite.js';
import { header, parseSip, responseTo, serializeSip, uriOf, userOf, type SipHeader, type SipMessage, type SipRequest, type SipResponse } from './sip-message.js';
import type { CallInfo, SipGatewayEvents, SipGatewayOptions, SipLoopTarget } from './sip-types.js';
import { listenTcp, type SipPeer } from './sip-transport.js';

export type { CallInfo, SipAccess, SipGatewayEvents, SipGatewayOptions, SipLoopTarget } from './sip-types.js';

interface Call {
  info: CallInfo;
  media: CallMedia;
  /** Where the peer's SIP messages go. */
  remote: SipPeer;
  /** Our From/To values (with tags) and the peer's Contact, for requests inside the dialog. */
  dialog: { local: string; remote: string; target: string };
  /** Incoming: the INVITE's CSeq and our 200 OK, resent until the ACK. */
  inviteCSeq?: string;
  ok?: SipResponse;
  /** Outgoing: the INVITE transaction, which ACKs retransmitted 200s. */
  outgoing?: OutgoingInvite;
  acked: boolean;
  retransmit: NodeJS.Timeout | undefined;
  localCSeq: number;
}

interface Dialing {
  info: CallInfo;
  media: CallMedia;
  outgoing: OutgoingInvite;
}
const ALLOW = 'INVITE, ACK, BYE, CANCEL, OPTIONS';

/** A call out that cannot be placed (no trunk, bad destination, limit). */
export class SipDialError extends Error {
  override name = 'SipDialError';
}

export class SipGateway extends EventEmitter<SipGatewayEvents> {
  private readonly calls = new Map<string, Call>();
  private readonly dialing = new Map<string, Dialing>();
  private readonly bridges = new Map<string, LoopBridge>();
  private readonly clock = new TickClock();
  private readonly auth: DigestAuth;
  private readonly watchdog: NodeJS.Timeout;
  private nextSsrc = randomInt(1000, 60000);

  private tcp: Server | undefined;

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
    private readonly options: SipGatewayOptions,
  ) {
    super();
    this.auth = new DigestAuth(options.realm);
    socket.on('message', (data, rinfo) => {
      const message = parseSip(data);
      if (message) this.receive(message, this.udpPeer(rinfo.address, rinfo.port));
    });
    this.watchdog = setInterval(() => this.checkMedia(), 1000);
    this.watchdog.unref();
  }

  static async start(options: SipGatewayOptions): Promise<SipGateway> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(options.port, options.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', (err) => options.log.warn({ err }, 'SIP socket error'));
    const port = socket.address().port;
    const gateway = new SipGateway(socket, port, options);
    // SIP over TCP on the same port number (RFC 3261 §18: UDP and TCP both).
    try {
      gateway.tcp = await listenTcp({ host: options.host, port, maxConnections: 256, idleMs: 300_000, onMessage: (m, peer) => gateway.receive(m, peer) });
    } catch (err) {
      await gateway.close();
      throw err;
    }
    options.log.info({ host: options.host, port }, 'SIP gateway listening (UDP and TCP)');
    return gateway;
  }

  private udpPeer(address: string, port: number): SipPeer {
    return { transport: 'UDP', address, port, send: (data) => this.socket.send(data, port, address) };
  }

  list(): CallInfo[] {
    return [...this.calls.values()].map((c) => ({ ...c.info }));
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
    if (!/^[A-Za-z0-9+*#._~-]{1,64}$/.test(destination)) throw new SipDialError('destination must be a number or user name');
    if (this.calls.size + this.dialing.size >= this.options.maxCalls) throw new SipDialError('call limit reached');
    const callId = `${randomBytes(12).toString('hex')}@${this.options.host}`;
    const requestUri = `sip:${destination}@${trunk.host}:${trunk.port}`;
    const info: CallInfo = { callId, direction: 'out', loop: loop.key, peer: requestUri, user, since: Date.now() };
    const media = await CallMedia.open({ bindAddress: this.options.host, bridge: this.bridgeFor(loop), mayTalk: true, loopSsrc: this.allocateSsrc(), onTalking: (t) => this.emit('talking', info, t) });
    const remote = this.udpPeer(trunk.host, trunk.port);
    const sdp = buildAudioSdp({ address: this.options.host, port: media.port, laws: ['pcmu', 'pcma'], sessionId: String(randomInt(1, 2 ** 31)) });
    const from = `<sip:loopcast@${this.options.host}:${this.port}>;tag=${randomBytes(6).toString('hex')}`;
    const outgoing = new OutgoingInvite(
      { callId, from, requestUri, via: `${this.options.host}:${this.port}`, contact: this.contact().value, sdp, ringTimeoutMs: this.options.ringTimeoutMs ?? 60_000, send: (m) => this.send(m, remote) },
      (result) => this.dialled(callId, remote, from, result),
    );
    this.dialing.set(callId, { info, media, outgoing });
    outgoing.start();
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
    const to = header(result.response, 'to') ?? '';
    const contact = header(result.response, 'contact');
    const dialog = { local: from, remote: to, target: contact ? uriOf(contact) : pending.info.peer };
    pending.media.connect(result.answer);
    pending.media.lastRtpAt = Date.now();
    const call: Call = { info: pending.info, media: pending.media, remote, dialog, outgoing: pending.outgoing, acked: true, retransmit: undefined, localCSeq: 1 };
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
    this.clock.close();
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
    const loop = target.key;
    const authorization = header(request, 'authorization');
    if (authorization === undefined) return this.challenge(request, remote, false);
    const check = this.auth.verify(authorization, 'INVITE', (user) => this.options.access.passwordOf(user));
    if (check.stale) return this.challenge(request, remote, true);
    const permission = check.user !== undefined ? this.options.access.permission(check.user, target) : 'none';
    if (!check.user || permission === 'none') {
      this.options.log.info({ number, address: remote.address }, 'SIP call refused (credentials)');
      return this.reply(request, remote, 403, 'Forbidden');
    }
    if (this.calls.size >= this.options.maxCalls) return this.reply(request, remote, 486, 'Busy Here');
    const offer = parseAudioOffer(request.body);
    if (!offer) return this.reply(request, remote, 488, 'Not Acceptable Here');
    this.reply(request, remote, 100, 'Trying');
    const info: CallInfo = { callId, direction: 'in', loop, peer: uriOf(header(request, 'from') ?? ''), user: check.user, since: Date.now() };
    const media = await CallMedia.open({
      bindAddress: this.options.host,
      remote: offer,
      bridge: this.bridgeFor(target),
      mayTalk: permission === 'send',
      talkMode: this.options.access.talkModeOf?.(check.user) ?? 'voice',
      loopSsrc: this.allocateSsrc(),
      onTalking: (talking) => this.emit('talking', info, talking),
    });
    if (this.calls.has(callId)) return media.close(); // a retransmitted INVITE raced us
    const toTag = randomBytes(6).toString('hex');
    const sdp = buildAudioSdp({ address: this.options.host, port: media.port, laws: [offer.law], sessionId: String(randomInt(1, 2 ** 31)), ...(offer.dtmfPayloadType !== undefined ? { dtmfPayloadType: offer.dtmfPayloadType } : {}) });
    const ok = responseTo(request, 200, 'OK', [this.contact(remote.transport), { name: 'Allow', value: ALLOW }, { name: 'Content-Type', value: 'application/sdp' }], sdp, toTag);
    const from = header(request, 'from') ?? '';
    const dialog = { local: `${header(request, 'to') ?? ''};tag=${toTag}`, remote: from, target: uriOf(header(request, 'contact') ?? from) };
    const call: Call = { info, media, remote, dialog, inviteCSeq: header(request, 'cseq') ?? '', ok, acked: false, retransmit: undefined, localCSeq: 1 };
    this.calls.set(callId, call);
    this.send(ok, remote);
    this.retransmitOk(call, T1);
    this.options.log.info({ callId, loop, user: check.user, law: offer.law }, 'SIP call joined loop');
    this.emit('call', { ...info });
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
    call.outgoing?.close();
    call.media.close();
    this.options.log.info({ callId: call.info.callId, loop: call.info.loop, reason }, 'SIP call ended');
    this.emit('hangup', { ...call.info }, reason);
  }

  private sendBye(call: Call): void {
    const bye: SipRequest = {
      kind: 'request',
      method: 'BYE',
      uri: call.dialog.target,
      headers: [
        { name: 'Via', value: `SIP/2.0/${call.remote.transport} ${this.options.host}:${this.port};branch=z9hG4bK${randomBytes(8).toString('hex')};rport` },
        { name: 'Max-Forwards', value: '70' },
        { name: 'From', value: call.dialog.local },
        { name: 'To', value: call.dialog.remote },
        { name: 'Call-ID', value: call.info.callId },
        { name: 'CSeq', value: `${++call.localCSeq} BYE` },
      ],
      body: '',
    };
    this.send(bye, call.remote);
  }

  private challenge(request: SipRequest, remote: SipPeer, stale: boolean): void {
    this.reply(request, remote, 401, 'Unauthorized', [{ name: 'WWW-Authenticate', value: this.auth.challenge(stale) }]);
  }

  private reply(request: SipRequest, remote: SipPeer, status: number, reason: string, extra: SipHeader[] = []): void {
    const tag = status >= 200 && status !== 200 ? randomBytes(6).toString('hex') : undefined;
    this.send(responseTo(request, status, reason, extra, '', tag), remote);
  }

  private contact(transport: SipPeer['transport'] = 'UDP'): SipHeader {
    return { name: 'Contact', value: `<sip:loopcast@${this.options.host}:${this.port}${transport === 'TCP' ? ';transport=tcp' : ''}>` };
  }

  /** Responses go back to where the request came from (RFC 3581 symmetric response routing). */
  private send(message: SipRequest | SipResponse, remote: SipPeer): void {
    remote.send(serializeSip(message));
  }

  private bridgeFor(target: SipLoopTarget): LoopBridge {
    const loop = target.key;
    let bridge = this.bridges.get(loop);
    if (!bridge) {
      bridge = new LoopBridge(target, this.options.bus, this.clock, (empty) => {
        if (this.bridges.get(loop) === empty) this.bridges.delete(loop);
      });
      this.bridges.set(loop, bridge);
    }
    return bridge;
  }

  private allocateSsrc(): number {
    this.nextSsrc = this.nextSsrc >= 66000 ? 1000 : this.nextSsrc + 1;
    return this.nextSsrc;
  }
}
