// Checks of what a client sends for its WebRTC session (pure; no I/O). libdatachannel must only
// ever see an answer and candidates that passed these: a hostname would make it resolve DNS names
// an attacker chose, and a multicast or broadcast address would turn ICE checks into reflection.
import { isIP } from 'node:net';
import { normalizeCandidate, parseCandidate, sdpAttribute } from './candidates.js';

/** What to do with one remote candidate: apply it, ignore it (answered as usual), or refuse it. */
export type CandidateVerdict = { use: string } | { ignore: string } | { invalid: string };

const ICE_CHARS = /^[A-Za-z0-9+/]+$/;
const TYPES = new Set(['host', 'srflx', 'prflx', 'relay']);

/** Why an IP address cannot be an ICE peer, or undefined when it can. */
function unusableAddress(address: string): string | undefined {
  const family = isIP(address);
  if (family === 0) return 'address must be an IP address';
  if (family === 4) {
    const [a = 0, b = 0, c = 0, d = 0] = address.split('.').map(Number);
    if (a === 0) return 'unspecified address';
    if (a >= 224) return 'multicast or reserved address';
    if (a === 255 && b === 255 && c === 255 && d === 255) return 'broadcast address';
    return undefined;
  }
  const lower = address.toLowerCase();
  if (/^(0*:)*:?0*$/.test(lower) || lower === '::') return 'unspecified address';
  if (lower.startsWith('ff')) return 'multicast address';
  return undefined;
}

/**
 * `expectedUfrag`: the client's ICE ufrag from its answer, once known. A candidate naming another
 * ufrag (parameter or "ufrag" attribute) belongs to another ICE session and is refused.
 */
export function checkRemoteCandidate(candidate: string, ufrag: string | undefined, expectedUfrag: string | undefined): CandidateVerdict {
  const text = normalizeCandidate(candidate);
  if (text === '') return { ignore: 'end-of-candidates marker' };
  const c = parseCandidate(text);
  if (c === undefined) return { invalid: 'not an ICE candidate (candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type>)' };
  if (c.foundation.length > 32 || !ICE_CHARS.test(c.foundation)) return { invalid: 'foundation must be 1-32 ICE characters' };
  if (!Number.isInteger(c.priority) || c.priority < 1 || c.priority > 0xffffffff) return { invalid: 'priority must be an integer 1..2^32-1' };
  if (c.component < 1 || c.component > 256) return { invalid: 'component must be 1..256' };
  if (!TYPES.has(c.type)) return { invalid: `unknown candidate type ${c.type.slice(0, 16)}` };
  const named = attribute(c.extra, 'ufrag');
  const claimed = ufrag !== undefined && ufrag !== '' ? ufrag : named;
  if (named !== undefined && claimed !== named) return { invalid: 'ufrag parameter and candidate ufrag differ' };
  if (claimed !== undefined && expectedUfrag !== undefined && claimed !== expectedUfrag) {
    return { invalid: 'candidate for another ICE session (ufrag does not match the answer)' };
  }
  const transport = c.transport.toLowerCase();
  if (transport === 'tcp') return { ignore: 'TCP candidates are not supported' };
  if (transport !== 'udp') return { invalid: `unknown transport ${c.transport.slice(0, 16)}` };
  if (c.address.toLowerCase().endsWith('.local')) return { ignore: 'mDNS candidate' };
  const bad = unusableAddress(c.address);
  if (bad !== undefined) return { invalid: bad };
  if (c.port < 1) return { invalid: 'port must be 1..65535' };
  // Only RTP (component 1) is used: rtcp-mux is required.
  if (c.component !== 1) return { ignore: 'RTCP component (rtcp-mux is used)' };
  return { use: text };
}

function attribute(extra: string[], name: string): string | undefined {
  const i = extra.indexOf(name);
  return i >= 0 ? extra[i + 1] : undefined;
}

const MAX_SDP_LINES = 500;

/**
 * Checks a client's answer to the edge's offer (one audio m-line, mid `mid`): a problem description,
 * or undefined when libdatachannel may apply it. Candidate lines are checked by the caller.
 */
export function checkAnswerSdp(sdp: string, mid: string): string | undefined {
  const lines = sdp.split(/\r?\n/).filter((l) => l.length > 0);
  if (lines.length > MAX_SDP_LINES) return `more than ${MAX_SDP_LINES} lines`;
  if (lines[0] !== 'v=0') return 'not an SDP (must start with v=0)';
  const malformed = lines.findIndex((l) => !/^[a-z]=[\x20-\x7e]*$/.test(l));
  if (malformed >= 0) return `line ${malformed + 1} is not <letter>=<printable text>`;
  const mlines = lines.filter((l) => l.startsWith('m='));
  if (mlines.length !== 1) return `expected one m-line (audio), found ${mlines.length}`;
  const m = /^m=(\S+) (\d+) (\S+)((?: \S+)*)$/.exec(mlines[0] ?? '');
  if (!m || m[1] !== 'audio') return 'the m-line must be m=audio';
  if (m[2] === '0') return 'audio was rejected (port 0)';
  if (m[3] !== 'UDP/TLS/RTP/SAVPF') return `the audio profile must be UDP/TLS/RTP/SAVPF, not ${m[3]?.slice(0, 32)}`;
  if (!(m[4] ?? '').split(' ').includes('100') || !/^a=rtpmap:100 opus\/48000\/2$/im.test(sdp)) return 'the answer must accept Opus as payload type 100';
  const answerMid = sdpAttribute(sdp, 'mid');
  if (answerMid !== undefined && answerMid !== mid) return `a=mid must be ${mid}`;
  const ufrag = sdpAttribute(sdp, 'ice-ufrag');
  if (ufrag === undefined || !/^[A-Za-z0-9+/]{4,256}$/.test(ufrag)) return 'a=ice-ufrag missing or invalid';
  const pwd = sdpAttribute(sdp, 'ice-pwd');
  if (pwd === undefined || !/^[A-Za-z0-9+/]{22,256}$/.test(pwd)) return 'a=ice-pwd missing or invalid';
  const fingerprint = sdpAttribute(sdp, 'fingerprint');
  if (fingerprint === undefined || !/^sha-(1|224|256|384|512) [0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){15,63}$/.test(fingerprint)) return 'a=fingerprint missing or invalid';
  const setup = sdpAttribute(sdp, 'setup');
  if (setup !== undefined && setup !== 'active' && setup !== 'passive') return 'a=setup of an answer must be active or passive';
  return undefined;
}
