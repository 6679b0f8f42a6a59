// The state of one call's dialog and the in-dialog messages the gateway builds (RFC 3261 §12, §15):
// kept apart from the gateway's call table so each reads in one sitting.
import { randomBytes } from 'node:crypto';
import type { CallMedia } from './call-media.js';
import type { OutgoingInvite } from './outgoing-invite.js';
import { responseTo, type SipHeader, type SipRequest, type SipResponse } from './sip-message.js';
import type { SipPeer } from './sip-transport.js';
import type { CallInfo } from './sip-types.js';
import type { PinEntry } from './pin-entry.js';

export const ALLOW = 'INVITE, ACK, BYE, CANCEL, OPTIONS';

export interface Call {
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
  /** A caller-id caller still typing its PIN: answered, but not on the loop (and not listed). */
  pin?: { entry: PinEntry; timer: NodeJS.Timeout };
  acked: boolean;
  retransmit: NodeJS.Timeout | undefined;
  localCSeq: number;
}

export interface Dialing {
  info: CallInfo;
  media: CallMedia;
  outgoing: OutgoingInvite;
}

/** Where the gateway is reached, for Via and Contact. */
export interface LocalAddress {
  host: string;
  port: number;
}

export function contactHeader(local: LocalAddress, transport: SipPeer['transport'] = 'UDP'): SipHeader {
  return { name: 'Contact', value: `<sip:loopcast@${local.host}:${local.port}${transport === 'TCP' ? ';transport=tcp' : ''}>` };
}

/** Our BYE inside the call's dialog (the next local CSeq). */
export function byeRequest(call: Call, local: LocalAddress): SipRequest {
  return {
    kind: 'request',
    method: 'BYE',
    uri: call.dialog.target,
    headers: [
      { name: 'Via', value: `SIP/2.0/${call.remote.transport} ${local.host}:${local.port};branch=z9hG4bK${randomBytes(8).toString('hex')};rport` },
      { name: 'Max-Forwards', value: '70' },
      { name: 'From', value: call.dialog.local },
      { name: 'To', value: call.dialog.remote },
      { name: 'Call-ID', value: call.info.callId },
      { name: 'CSeq', value: `${++call.localCSeq} BYE` },
    ],
    body: '',
  };
}

/** A response without a body; final non-2xx responses get a fresh To tag. */
export function plainResponse(request: SipRequest, status: number, reason: string, extra: SipHeader[] = []): SipResponse {
  const tag = status >= 200 && status !== 200 ? randomBytes(6).toString('hex') : undefined;
  return responseTo(request, status, reason, extra, '', tag);
}
