// What a browser puts on the wire, rebuilt from libdatachannel's local description: the openvocs web
// client runs in Chromium, and the openvocs backend accepts exactly what Chromium sends. libdatachannel's
// own answer differs in ways the reference backend does not survive (`a=ice-options:ice2,trickle` makes
// its vocs process abort) and its candidates carry no ufrag (the socket is closed with 1002). The shape
// follows the answer in test/fixtures/openvocs-wire-log.jsonl, line for line.

export interface AnswerFields {
  ufrag: string;
  pwd: string;
  fingerprint: string;
  setup: string;
  mid: string;
  direction: string;
  payloadType: number;
  rtpmap: string;
  ssrc: number;
  cname: string;
}

function attribute(sdp: string, name: string): string | undefined {
  return new RegExp(`^a=${name}:(.+?)\\s*$`, 'm').exec(sdp)?.[1];
}

function required(sdp: string, name: string): string {
  const value = attribute(sdp, name);
  if (value === undefined) throw new Error(`answer without a=${name}`);
  return value;
}

/** The fields of libdatachannel's answer that matter on the wire. */
export function answerFields(sdp: string): AnswerFields {
  const m = /^m=audio \d+ \S+ (\d+)/m.exec(sdp);
  if (!m) throw new Error('answer without an audio m-line');
  const payloadType = Number(m[1]);
  const ssrc = /^a=ssrc:(\d+) cname:(\S+)/m.exec(sdp);
  if (!ssrc) throw new Error('answer without a=ssrc:<n> cname:<x>');
  const direction = /^a=(sendrecv|sendonly|recvonly|inactive)\s*$/m.exec(sdp)?.[1] ?? 'sendrecv';
  const rtpmap = new RegExp(`^a=rtpmap:${payloadType} (\\S+)`, 'm').exec(sdp)?.[1];
  if (!rtpmap) throw new Error(`answer without a=rtpmap:${payloadType}`);
  return {
    ufrag: required(sdp, 'ice-ufrag'),
    pwd: required(sdp, 'ice-pwd'),
    fingerprint: required(sdp, 'fingerprint'),
    setup: required(sdp, 'setup'),
    mid: attribute(sdp, 'mid') ?? '0',
    direction,
    payloadType,
    rtpmap,
    ssrc: Number(ssrc[1]),
    cname: ssrc[2] as string,
  };
}

/** A 63-bit decimal session id like Chromium's (the value is opaque to the server). */
function sessionId(ssrc: number): string {
  return (BigInt(ssrc) * 2_147_483_647n + 1_000_000_007n).toString();
}

/**
 * Chromium's answer to an openvocs offer, carrying libdatachannel's ICE credentials, DTLS fingerprint and
 * SSRC: session part without BUNDLE, `a=ice-options:trickle`, no candidates (they follow by trickle),
 * Chromium's Opus fmtp, and the `a=ssrc:<n> cname:<x>` line the reference backend requires.
 */
export function chromiumAnswer(libdatachannelAnswer: string): string {
  const f = answerFields(libdatachannelAnswer);
  const stream = `stream-${f.cname}`;
  const track = `track-${f.ssrc}`;
  const lines = [
    'v=0',
    `o=- ${sessionId(f.ssrc)} 2 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    `a=msid-semantic: WMS ${stream}`,
    `m=audio 9 UDP/TLS/RTP/SAVPF ${f.payloadType}`,
    'c=IN IP4 0.0.0.0',
    'a=rtcp:9 IN IP4 0.0.0.0',
    `a=ice-ufrag:${f.ufrag}`,
    `a=ice-pwd:${f.pwd}`,
    'a=ice-options:trickle',
    `a=fingerprint:${f.fingerprint}`,
    `a=setup:${f.setup}`,
    `a=mid:${f.mid}`,
    `a=${f.direction}`,
    `a=msid:${stream} ${track}`,
    'a=rtcp-mux',
    `a=rtpmap:${f.payloadType} ${f.rtpmap}`,
    `a=fmtp:${f.payloadType} minptime=10;useinbandfec=1`,
    `a=ssrc:${f.ssrc} cname:${f.cname}`,
  ];
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * A local candidate as Chromium sends it: libdatachannel's `candidate:… typ host` plus
 * `generation 0 ufrag <ufrag>` (the trickle parameter carries the same ufrag).
 */
export function chromiumCandidate(candidate: string, ufrag: string): string {
  const text = candidate.startsWith('a=') ? candidate.slice(2) : candidate;
  return /\sufrag\s/.test(text) ? text : `${text.trimEnd()} generation 0 ufrag ${ufrag}`;
}
