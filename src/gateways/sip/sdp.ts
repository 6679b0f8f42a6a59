// The SDP of a telephone call (RFC 4566, offer/answer RFC 3264): one audio stream, G.711, and
// RFC 4733 telephone-events. Only what the gateway needs is read; everything else is ignored.
import { G711_PAYLOAD_TYPE, type G711Law } from './g711.js';

export interface AudioOffer {
  address: string;
  port: number;
  law: G711Law;
  /** Payload type of telephone-event/8000 if offered. */
  dtmfPayloadType: number | undefined;
}

/** The first G.711 law in the offer's preference order; undefined when none fits. */
export function parseAudioOffer(sdp: string): AudioOffer | undefined {
  const lines = sdp.split(/\r?\n/);
  let sessionAddress: string | undefined;
  let mediaAddress: string | undefined;
  let port: number | undefined;
  let payloads: number[] = [];
  let inAudio = false;
  let dtmf: number | undefined;
  for (const line of lines) {
    if (line.startsWith('m=')) {
      const m = /^m=audio (\d{1,5}) RTP\/AVP ((?:\d{1,3} ?)+)$/.exec(line.trim());
      inAudio = m !== null && port === undefined;
      if (m && inAudio) {
        port = Number(m[1]);
        payloads = (m[2] ?? '').trim().split(' ').map(Number);
      }
      continue;
    }
    const c = /^c=IN IP4 (\d{1,3}(?:\.\d{1,3}){3})/.exec(line);
    if (c) {
      if (port === undefined) sessionAddress = c[1];
      else if (inAudio) mediaAddress = c[1];
      continue;
    }
    const ev = /^a=rtpmap:(\d{1,3}) telephone-event\/8000/i.exec(line);
    if (ev && inAudio) dtmf = Number(ev[1]);
  }
  const address = mediaAddress ?? sessionAddress;
  if (address === undefined || port === undefined || port === 0 || port > 65535) return undefined;
  const pt = payloads.find((p) => p === G711_PAYLOAD_TYPE.pcmu || p === G711_PAYLOAD_TYPE.pcma);
  if (pt === undefined) return undefined;
  return { address, port, law: pt === 0 ? 'pcmu' : 'pcma', dtmfPayloadType: dtmf !== undefined && payloads.includes(dtmf) ? dtmf : undefined };
}

export interface LocalAudio {
  address: string;
  port: number;
  /** Laws in preference order (an answer lists exactly one). */
  laws: G711Law[];
  dtmfPayloadType?: number;
  sessionId: string;
}

export function buildAudioSdp(local: LocalAudio): string {
  const pts = local.laws.map((l) => G711_PAYLOAD_TYPE[l]);
  if (local.dtmfPayloadType !== undefined) pts.push(local.dtmfPayloadType);
  const lines = [
    'v=0',
    `o=loopcast ${local.sessionId} 1 IN IP4 ${local.address}`,
    's=Loopcast',
    `c=IN IP4 ${local.address}`,
    't=0 0',
    `m=audio ${local.port} RTP/AVP ${pts.join(' ')}`,
    ...local.laws.map((l) => `a=rtpmap:${G711_PAYLOAD_TYPE[l]} ${l === 'pcmu' ? 'PCMU' : 'PCMA'}/8000`),
    ...(local.dtmfPayloadType !== undefined ? [`a=rtpmap:${local.dtmfPayloadType} telephone-event/8000`, `a=fmtp:${local.dtmfPayloadType} 0-15`] : []),
    'a=ptime:20',
    'a=sendrecv',
  ];
  return `${lines.join('\r\n')}\r\n`;
}
