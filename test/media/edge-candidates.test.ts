// Candidate/SDP helpers: parsing, mDNS detection, announced-address rewriting.
import { describe, expect, it } from 'vitest';
import { announceCandidate, isMdnsCandidate, parseCandidate, rewriteSdpCandidates } from '../../src/media/edge/candidates.js';

const OFFER = [
  'v=0',
  'o=rtc 1 0 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 100',
  'c=IN IP4 0.0.0.0',
  'a=mid:0',
  'a=ice-ufrag:abcd',
  'a=candidate:1 1 UDP 2114977791 10.0.0.5 40000 typ host',
  'a=end-of-candidates',
  '',
].join('\r\n');

describe('edge candidates', () => {
  it('parses libdatachannel and browser candidate strings', () => {
    expect(parseCandidate('a=candidate:1 1 UDP 2114977791 127.0.0.1 43197 typ host')).toMatchObject({ address: '127.0.0.1', port: 43197, type: 'host' });
    expect(
      parseCandidate('candidate:3744561664 1 udp 2122260223 127.0.0.1 43743 typ host generation 0 ufrag iKzl network-id 1'),
    ).toMatchObject({ priority: 2122260223, extra: ['generation', '0', 'ufrag', 'iKzl', 'network-id', '1'] });
    expect(parseCandidate('candidate:1 1 udp 1 1.2.3.4 99999 typ host')).toBeUndefined();
    expect(parseCandidate('')).toBeUndefined();
  });

  it('recognises mDNS candidates', () => {
    expect(isMdnsCandidate('candidate:1 1 udp 2122260223 9b36eaac-bb2e-49bb-bb78-21c41c499900.local 56789 typ host')).toBe(true);
    expect(isMdnsCandidate('candidate:1 1 udp 2122260223 192.168.1.2 56789 typ host')).toBe(false);
  });

  it('announces configured addresses instead of host addresses, same port', () => {
    const out = announceCandidate('a=candidate:1 1 UDP 2114977791 10.0.0.5 40000 typ host', ['203.0.113.7', '198.51.100.1']);
    expect(out).toEqual([
      'candidate:1a0 1 UDP 2114977791 203.0.113.7 40000 typ host',
      'candidate:1a1 1 UDP 2114977790 198.51.100.1 40000 typ host',
    ]);
    const srflx = 'candidate:2 1 UDP 1 203.0.113.9 40000 typ srflx raddr 10.0.0.5 rport 40000';
    expect(announceCandidate(srflx, ['203.0.113.7'])).toEqual([srflx]);
  });

  it('rewrites the offer: candidates, m= port, c= address, one end-of-candidates', () => {
    const sdp = rewriteSdpCandidates(OFFER, ['203.0.113.7']);
    expect(sdp).toContain('m=audio 40000 UDP/TLS/RTP/SAVPF 100\r\n');
    expect(sdp).toContain('c=IN IP4 203.0.113.7\r\n');
    expect(sdp).toContain('a=candidate:1a0 1 UDP 2114977791 203.0.113.7 40000 typ host\r\n');
    expect(sdp).not.toContain('10.0.0.5');
    expect(sdp.match(/a=end-of-candidates/g)).toHaveLength(1);
    expect(sdp.endsWith('a=end-of-candidates\r\n')).toBe(true);
  });
});
