// What a client may send for its WebRTC session: hostile answers and candidates are refused with a
// reason before libdatachannel sees them; browser oddities (mDNS, TCP, end marker) are ignored.
import { describe, expect, it } from 'vitest';
import { checkAnswerSdp, checkRemoteCandidate } from '../../src/media/edge/remote-check.js';

const UFRAG = 'aB3d';
const GOOD_ANSWER = [
  'v=0',
  'o=- 1 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 100',
  'c=IN IP4 0.0.0.0',
  'a=mid:0',
  'a=sendrecv',
  'a=rtcp-mux',
  'a=rtpmap:100 opus/48000/2',
  `a=ice-ufrag:${UFRAG}`,
  'a=ice-pwd:abcdefghijklmnopqrstuvwx',
  `a=fingerprint:sha-256 ${Array.from({ length: 32 }, () => 'AB').join(':')}`,
  'a=setup:active',
  '',
].join('\r\n');

const host = (address: string, extra = '') => `candidate:1 1 udp 2122260223 ${address} 50000 typ host${extra}`;

describe('checkRemoteCandidate', () => {
  it('uses a plain UDP host candidate, with or without a=', () => {
    expect(checkRemoteCandidate(host('127.0.0.1'), UFRAG, UFRAG)).toEqual({ use: host('127.0.0.1') });
    expect(checkRemoteCandidate(`a=${host('::1')}`, undefined, undefined)).toEqual({ use: host('::1') });
  });

  it.each([
    ['', 'end-of-candidates'],
    ['candidate:1 1 udp 2122260223 3f2a-11.local 5000 typ host', 'mDNS'],
    ['candidate:2 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active', 'TCP'],
    ['candidate:1 2 udp 2122260222 127.0.0.1 50001 typ host', 'RTCP'],
  ])('ignores %s (%s)', (candidate) => {
    expect(checkRemoteCandidate(candidate, undefined, UFRAG)).toHaveProperty('ignore');
  });

  it.each([
    ['garbage', 'not an ICE candidate'],
    ['x'.repeat(1024), 'not an ICE candidate'],
    ['candidate:1 1 udp 2122260223 127.0.0.1 50000 typ bogus', 'unknown candidate type'],
    ['candidate:1 1 sctp 2122260223 127.0.0.1 50000 typ host', 'unknown transport'],
    ['candidate:1 1 udp 2122260223 127.0.0.1 0 typ host', 'port'],
    ['candidate:1 1 udp 0 127.0.0.1 50000 typ host', 'priority'],
    ['candidate:1 1 udp 99999999999 127.0.0.1 50000 typ host', 'priority'],
    ['candidate:f$$ 1 udp 1 127.0.0.1 50000 typ host', 'foundation'],
    [host('evil.example.com'), 'IP address'],
    [host('0.0.0.0'), 'unspecified'],
    [host('::'), 'unspecified'],
    [host('239.1.2.3'), 'multicast'],
    [host('255.255.255.255'), 'multicast or reserved'],
    [host('ff02::1'), 'multicast'],
    [host('127.0.0.1', ' ufrag zzzz'), 'another ICE session'],
  ])('refuses %s', (candidate, problem) => {
    const verdict = checkRemoteCandidate(candidate, undefined, UFRAG);
    expect(verdict).toHaveProperty('invalid');
    expect((verdict as { invalid: string }).invalid).toContain(problem);
  });

  it('refuses a candidate whose ufrag parameter names another ICE session, once the answer is known', () => {
    expect(checkRemoteCandidate(host('127.0.0.1'), 'other', UFRAG)).toHaveProperty('invalid');
    expect(checkRemoteCandidate(host('127.0.0.1'), 'other', undefined)).toHaveProperty('use');
    expect(checkRemoteCandidate(host('127.0.0.1'), '', UFRAG)).toHaveProperty('use'); // the keyset sends '' when unknown
  });
});

describe('checkAnswerSdp', () => {
  it('accepts a browser-like answer', () => {
    expect(checkAnswerSdp(GOOD_ANSWER, '0')).toBeUndefined();
    expect(checkAnswerSdp(GOOD_ANSWER.replaceAll('\r\n', '\n'), '0')).toBeUndefined();
  });

  const variants: Array<[string, string, string]> = [
    ['garbage', 'this is not sdp', 'v=0'],
    ['no audio m-line', GOOD_ANSWER.replace(/m=audio[^\r]*/, 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel'), 'm=audio'],
    ['no m-line at all', GOOD_ANSWER.replace(/m=audio[^\r]*\r\n/, ''), 'found 0'],
    ['two m-lines', GOOD_ANSWER + 'm=audio 9 UDP/TLS/RTP/SAVPF 100\r\n', 'found 2'],
    ['audio rejected', GOOD_ANSWER.replace('m=audio 9', 'm=audio 0'), 'port 0'],
    ['plain RTP', GOOD_ANSWER.replace('UDP/TLS/RTP/SAVPF', 'RTP/AVP'), 'profile'],
    ['no opus', GOOD_ANSWER.replace('a=rtpmap:100 opus/48000/2', 'a=rtpmap:100 PCMU/8000'), 'Opus'],
    ['other mid', GOOD_ANSWER.replace('a=mid:0', 'a=mid:audio'), 'a=mid'],
    ['no ufrag', GOOD_ANSWER.replace(`a=ice-ufrag:${UFRAG}\r\n`, ''), 'ice-ufrag'],
    ['short pwd', GOOD_ANSWER.replace(/a=ice-pwd:\S+/, 'a=ice-pwd:x'), 'ice-pwd'],
    ['bad fingerprint', GOOD_ANSWER.replace(/a=fingerprint:\S+ \S+/, 'a=fingerprint:sha-256 zz'), 'fingerprint'],
    ['actpass answer', GOOD_ANSWER.replace('a=setup:active', 'a=setup:actpass'), 'setup'],
    ['control characters', GOOD_ANSWER.replace('s=-', 's=\u0000\u0007'), 'line 3'],
    ['huge', GOOD_ANSWER + 'a=x:y\r\n'.repeat(600), 'lines'],
  ];
  it.each(variants)('refuses %s', (_name, sdp, problem) => {
    expect(checkAnswerSdp(sdp, '0')).toContain(problem);
  });
});
