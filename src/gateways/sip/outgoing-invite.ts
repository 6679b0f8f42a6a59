// The client side of one INVITE (RFC 3261 §17.1.1, §13.2): retransmit until a response (Timer A),
// give up after 64·T1 (Timer B), ACK every final response (2xx with a new branch to the Contact,
// non-2xx in the same transaction), CANCEL when ringing takes too long.
import { randomBytes } from 'node:crypto';
import { parseAudioOffer, type AudioOffer } from './sdp.js';
import { header, uriOf, type SipRequest, type SipResponse } from './sip-message.js';

export const T1 = 500;

export interface OutgoingSetup {
  callId: string;
  /** `<sip:loop@host:port>;tag=…`: our From, and our side of the dialog. */
  from: string;
  requestUri: string;
  /** Our Via sent-by and Contact address. */
  via: string;
  contact: string;
  sdp: string;
  ringTimeoutMs: number;
  send(message: SipRequest): void;
}

export type OutgoingResult =
  | { kind: 'answered'; response: SipResponse; answer: AudioOffer }
  | { kind: 'failed'; status: number; reason: string };

export class OutgoingInvite {
  readonly invite: SipRequest;
  private readonly branch = `z9hG4bK${randomBytes(8).toString('hex')}`;
  private retransmit: NodeJS.Timeout | undefined;
  private giveUp: NodeJS.Timeout | undefined;
  private ringing: NodeJS.Timeout | undefined;
  private provisional = false;
  private settled = false;
  private ack: SipRequest | undefined;

  constructor(
    private readonly setup: OutgoingSetup,
    private readonly onResult: (result: OutgoingResult) => void,
  ) {
    this.invite = {
      kind: 'request',
      method: 'INVITE',
      uri: setup.requestUri,
      headers: [
        { name: 'Via', value: `SIP/2.0/UDP ${setup.via};branch=${this.branch};rport` },
        { name: 'Max-Forwards', value: '70' },
        { name: 'From', value: setup.from },
        { name: 'To', value: `<${setup.requestUri}>` },
        { name: 'Call-ID', value: setup.callId },
        { name: 'CSeq', value: '1 INVITE' },
        { name: 'Contact', value: setup.contact },
        { name: 'Content-Type', value: 'application/sdp' },
      ],
      body: setup.sdp,
    };
  }

  start(): void {
    this.setup.send(this.invite);
    this.armRetransmit(T1);
    this.giveUp = setTimeout(() => this.finish({ kind: 'failed', status: 408, reason: 'Request Timeout' }), 64 * T1);
    this.ringing = setTimeout(() => this.cancel(), this.setup.ringTimeoutMs);
    for (const t of [this.giveUp, this.ringing]) t.unref();
  }

  /** A response with this call's Call-ID. */
  receive(response: SipResponse): void {
    if (!/^\d+ INVITE$/.test(header(response, 'cseq') ?? '')) return; // e.g. the 200 to our CANCEL
    if (response.status < 200) {
      this.provisional = true;
      clearTimeout(this.retransmit);
      clearTimeout(this.giveUp);
      return;
    }
    if (response.status >= 300) {
      this.setup.send(this.nonSuccessAck(response));
      return this.finish({ kind: 'failed', status: response.status, reason: response.reason });
    }
    // 2xx (and its retransmissions): ACK end to end, to the Contact.
    this.ack ??= this.successAck(response);
    this.setup.send(this.ack);
    const answer = parseAudioOffer(response.body);
    if (!answer) return this.finish({ kind: 'failed', status: 488, reason: 'no usable G.711 in the answer' });
    this.finish({ kind: 'answered', response, answer });
  }

  /** Stop ringing: CANCEL once a provisional response came (§9.1), else just stop retransmitting. */
  cancel(): void {
    if (this.settled) return;
    if (!this.provisional) return this.finish({ kind: 'failed', status: 487, reason: 'Request Terminated' });
    this.setup.send({
      kind: 'request',
      method: 'CANCEL',
      uri: this.invite.uri,
      headers: this.invite.headers.filter((h) => ['Via', 'Max-Forwards', 'From', 'To', 'Call-ID'].includes(h.name)).concat({ name: 'CSeq', value: '1 CANCEL' }),
      body: '',
    });
  }

  close(): void {
    this.settled = true;
    for (const t of [this.retransmit, this.giveUp, this.ringing]) clearTimeout(t);
  }

  private finish(result: OutgoingResult): void {
    if (this.settled) return;
    this.close();
    this.onResult(result);
  }

  private armRetransmit(interval: number): void {
    this.retransmit = setTimeout(() => {
      if (this.provisional || this.settled) return;
      this.setup.send(this.invite);
      this.armRetransmit(interval * 2);
    }, interval);
    this.retransmit.unref();
  }

  private nonSuccessAck(response: SipResponse): SipRequest {
    return {
      kind: 'request',
      method: 'ACK',
      uri: this.invite.uri,
      headers: [
        ...this.invite.headers.filter((h) => ['Via', 'Max-Forwards', 'From', 'Call-ID'].includes(h.name)),
        { name: 'To', value: header(response, 'to') ?? '' },
        { name: 'CSeq', value: '1 ACK' },
      ],
      body: '',
    };
  }

  private successAck(response: SipResponse): SipRequest {
    const contact = header(response, 'contact');
    return {
      kind: 'request',
      method: 'ACK',
      uri: contact ? uriOf(contact) : this.invite.uri,
      headers: [
        { name: 'Via', value: `SIP/2.0/UDP ${this.setup.via};branch=z9hG4bK${randomBytes(8).toString('hex')};rport` },
        { name: 'Max-Forwards', value: '70' },
        { name: 'From', value: this.setup.from },
        { name: 'To', value: header(response, 'to') ?? '' },
        { name: 'Call-ID', value: this.setup.callId },
        { name: 'CSeq', value: '1 ACK' },
      ],
      body: '',
    };
  }
}
