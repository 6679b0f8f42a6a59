// One call out of a loop (RFC 3261 UAC): its media seat, the SDP offer (PCMU and PCMA) and the INVITE
// transaction towards the configured trunk; and the dialog it becomes when answered. The gateway
// decides whether a call may be placed and keeps the table of calls.
import { randomBytes, randomInt } from 'node:crypto';
import { CallMedia } from './call-media.js';
import type { LoopBridge } from './loop-bridge.js';
import { OutgoingInvite, type OutgoingResult } from './outgoing-invite.js';
import { buildAudioSdp } from './sdp.js';
import { contactHeader, type Call, type Dialing, type LocalAddress } from './sip-dialog.js';
import { header, uriOf, type SipRequest, type SipResponse } from './sip-message.js';
import type { SipPeer } from './sip-transport.js';
import type { CallInfo } from './sip-types.js';

export interface CallOutRequest {
  info: CallInfo;
  requestUri: string;
  local: LocalAddress;
  trunk: SipPeer;
  bridge: LoopBridge;
  loopSsrc: number;
  ringTimeoutMs: number;
  onTalking: (talking: boolean) => void;
  send: (message: SipRequest | SipResponse, remote: SipPeer) => void;
  /** The INVITE's outcome: the dialog's local From travels along for the answered call. */
  onResult: (result: OutgoingResult, from: string) => void;
}

/** Opens the media and sends the INVITE; the result arrives through `onResult`. */
export async function startCallOut(request: CallOutRequest): Promise<Dialing> {
  const { info, local, trunk } = request;
  const media = await CallMedia.open({ bindAddress: local.host, bridge: request.bridge, mayTalk: true, loopSsrc: request.loopSsrc, onTalking: request.onTalking });
  const sdp = buildAudioSdp({ address: local.host, port: media.port, laws: ['pcmu', 'pcma'], sessionId: String(randomInt(1, 2 ** 31)) });
  const from = `<sip:loopcast@${local.host}:${local.port}>;tag=${randomBytes(6).toString('hex')}`;
  const outgoing = new OutgoingInvite(
    { callId: info.callId, from, requestUri: request.requestUri, via: `${local.host}:${local.port}`, contact: contactHeader(local).value, sdp, ringTimeoutMs: request.ringTimeoutMs, send: (m) => request.send(m, trunk) },
    (result) => request.onResult(result, from),
  );
  outgoing.start();
  return { info, media, outgoing };
}

/** The answered call: media connected to the callee's answer, requests inside the dialog go to its Contact. */
export function answeredCall(pending: Dialing, trunk: SipPeer, from: string, result: Extract<OutgoingResult, { kind: 'answered' }>): Call {
  const to = header(result.response, 'to') ?? '';
  const contact = header(result.response, 'contact');
  pending.media.connect(result.answer);
  pending.media.lastRtpAt = Date.now();
  const dialog = { local: from, remote: to, target: contact ? uriOf(contact) : pending.info.peer };
  return { info: pending.info, media: pending.media, remote: trunk, dialog, outgoing: pending.outgoing, acked: true, retransmit: undefined, localCSeq: 1 };
}
