// SIP messages (RFC 3261 §7) as data: parse a datagram into a request or response, serialize one
// back. Header names are kept as sent for echoing; lookups are case-insensitive and know the
// compact forms (§7.3.3). Anything malformed is refused (undefined), never half-parsed.

export interface SipHeader {
  name: string;
  value: string;
}

export interface SipRequest {
  kind: 'request';
  method: string;
  uri: string;
  headers: SipHeader[];
  body: string;
}

export interface SipResponse {
  kind: 'response';
  status: number;
  reason: string;
  headers: SipHeader[];
  body: string;
}

export type SipMessage = SipRequest | SipResponse;

const COMPACT: Record<string, string> = {
  i: 'call-id',
  m: 'contact',
  e: 'content-encoding',
  l: 'content-length',
  c: 'content-type',
  f: 'from',
  s: 'subject',
  k: 'supported',
  t: 'to',
  v: 'via',
};

/** Datagrams larger than this are refused (a UDP SIP message stays below the path MTU anyway). */
export const MAX_MESSAGE_BYTES = 16 * 1024;
const MAX_HEADERS = 100;

function canonical(name: string): string {
  const lower = name.toLowerCase();
  return COMPACT[lower] ?? lower;
}

export function header(message: SipMessage, name: string): string | undefined {
  const wanted = canonical(name);
  return message.headers.find((h) => canonical(h.name) === wanted)?.value;
}

export function headers(message: SipMessage, name: string): string[] {
  const wanted = canonical(name);
  return message.headers.filter((h) => canonical(h.name) === wanted).map((h) => h.value);
}

export function parseSip(data: Buffer): SipMessage | undefined {
  if (data.length > MAX_MESSAGE_BYTES) return undefined;
  const text = data.toString('utf8');
  const split = text.indexOf('\r\n\r\n');
  if (split < 0) return undefined;
  // Header folding (§7.3.1): continuation lines start with whitespace.
  const lines = text.slice(0, split).replace(/\r\n[ \t]+/g, ' ').split('\r\n');
  const start = lines.shift() ?? '';
  if (lines.length > MAX_HEADERS) return undefined;
  const parsedHeaders: SipHeader[] = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon).trim();
    if (!/^[A-Za-z0-9!%*_+`'~.-]+$/.test(name)) return undefined;
    parsedHeaders.push({ name, value: line.slice(colon + 1).trim() });
  }
  let body = text.slice(split + 4);
  const probe: SipMessage = { kind: 'response', status: 0, reason: '', headers: parsedHeaders, body };
  const length = header(probe, 'content-length');
  if (length !== undefined) {
    if (!/^\d{1,5}$/.test(length)) return undefined;
    const bytes = Buffer.from(body, 'utf8');
    const n = Number(length);
    if (n > bytes.length) return undefined;
    body = bytes.subarray(0, n).toString('utf8');
  }
  const response = /^SIP\/2\.0 (\d{3}) (.*)$/.exec(start);
  if (response) return { kind: 'response', status: Number(response[1]), reason: response[2] ?? '', headers: parsedHeaders, body };
  const request = /^([A-Z]{2,16}) (\S{1,1024}) SIP\/2\.0$/.exec(start);
  if (request) return { kind: 'request', method: request[1] ?? '', uri: request[2] ?? '', headers: parsedHeaders, body };
  return undefined;
}

export function serializeSip(message: SipMessage): Buffer {
  const start = message.kind === 'request' ? `${message.method} ${message.uri} SIP/2.0` : `SIP/2.0 ${message.status} ${message.reason}`;
  const lines = [start];
  for (const h of message.headers) if (canonical(h.name) !== 'content-length') lines.push(`${h.name}: ${h.value}`);
  lines.push(`Content-Length: ${Buffer.byteLength(message.body, 'utf8')}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${message.body}`, 'utf8');
}

/** A `;name=value` parameter of a header value (e.g. the tag of From/To, the branch of Via). */
export function headerParam(value: string, name: string): string | undefined {
  const re = new RegExp(`;\\s*${name}=([^;,\\s]+)`, 'i');
  return re.exec(value)?.[1];
}

/** The URI inside a name-addr (`"Bob" <sip:bob@host>;tag=1`) or the bare addr-spec. */
export function uriOf(value: string): string {
  const angle = /<([^>]*)>/.exec(value);
  return (angle ? angle[1] : value.split(';')[0])?.trim() ?? '';
}

/** The user part of a sip: URI (`sip:1001@host` → `1001`). */
export function userOf(uri: string): string | undefined {
  return /^sips?:([^@;>]+)@/i.exec(uri)?.[1];
}

/** A response to `request` that copies Via, From, To, Call-ID and CSeq as §8.2.6 requires. */
export function responseTo(request: SipRequest, status: number, reason: string, extra: SipHeader[] = [], body = '', toTag?: string): SipResponse {
  const copied: SipHeader[] = [];
  for (const h of request.headers) {
    const name = canonical(h.name);
    if (name === 'via' || name === 'from' || name === 'call-id' || name === 'cseq') copied.push(h);
    if (name === 'to') copied.push(toTag && headerParam(h.value, 'tag') === undefined ? { name: h.name, value: `${h.value};tag=${toTag}` } : h);
  }
  return { kind: 'response', status, reason, headers: [...copied, ...extra], body };
}
