import { describe, expect, it } from 'vitest';
import { DigestAuth, parseDigest } from '../../src/gateways/sip/digest.js';
import { buildAudioSdp, parseAudioOffer } from '../../src/gateways/sip/sdp.js';
import { header, headerParam, headers, parseSip, responseTo, serializeSip, uriOf, userOf, type SipRequest } from '../../src/gateways/sip/sip-message.js';
import { createHash } from 'node:crypto';
import { SipStreamError, SipStreamReader } from '../../src/gateways/sip/sip-transport.js';

const INVITE = [
  'INVITE sip:1001@127.0.0.1:5060 SIP/2.0',
  'Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK-1;rport',
  'v: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-0',
  'f: "Ground" <sip:ground@127.0.0.1>;tag=abc',
  'To: <sip:1001@127.0.0.1>',
  'i: call-1@host',
  'CSeq: 1 INVITE',
  'Subject: folded',
  ' header',
  'Content-Type: application/sdp',
  'l: 5',
  '',
  'hello-and-more',
].join('\r\n');

describe('SIP messages', () => {
  it('parses requests with compact names, folding and Content-Length', () => {
    const m = parseSip(Buffer.from(INVITE));
    expect(m?.kind).toBe('request');
    const r = m as SipRequest;
    expect(r.method).toBe('INVITE');
    expect(userOf(r.uri)).toBe('1001');
    expect(header(r, 'call-id')).toBe('call-1@host');
    expect(headers(r, 'via')).toHaveLength(2);
    expect(header(r, 'subject')).toBe('folded header');
    expect(r.body).toBe('hello');
    expect(uriOf(header(r, 'from') ?? '')).toBe('sip:ground@127.0.0.1');
    expect(headerParam(header(r, 'from') ?? '', 'tag')).toBe('abc');
  });

  it('refuses malformed and oversized input instead of guessing', () => {
    for (const bad of ['', 'INVITE sip:x SIP/2.0\r\nVia x\r\n\r\n', 'HELLO\r\n\r\n', 'INVITE sip:x SIP/2.0\r\nl: 99\r\n\r\nshort', 'INVITE sip:x SIP/2.0\r\nl: -1\r\n\r\n', 'INVITE sip:x SIP/2.0\r\nTo: x']) {
      expect(parseSip(Buffer.from(bad)), JSON.stringify(bad)).toBeUndefined();
    }
    expect(parseSip(Buffer.alloc(17 * 1024, 0x41))).toBeUndefined();
  });

  it('builds responses that copy the dialog headers and add a To tag once', () => {
    const r = parseSip(Buffer.from(INVITE)) as SipRequest;
    const ok = parseSip(serializeSip(responseTo(r, 200, 'OK', [], 'body', 'tt')));
    expect(ok?.kind).toBe('response');
    expect(ok && header(ok, 'to')).toBe('<sip:1001@127.0.0.1>;tag=tt');
    expect(ok && headers(ok, 'via')).toHaveLength(2);
    expect(ok && header(ok, 'content-length')).toBe('4');
    expect(ok?.body).toBe('body');
  });
});

describe('digest authentication', () => {
  const md5 = (s: string) => createHash('md5').update(s).digest('hex');
  function answer(challenge: string, user: string, password: string, nonceOverride?: string): string {
    const p = parseDigest(challenge);
    const nonce = nonceOverride ?? p?.get('nonce') ?? '';
    const ha1 = md5(`${user}:${p?.get('realm')}:${password}`);
    const ha2 = md5('INVITE:sip:1001@127.0.0.1');
    const response = md5(`${ha1}:${nonce}:00000001:c1:auth:${ha2}`);
    return `Digest username="${user}", realm="${p?.get('realm')}", nonce="${nonce}", uri="sip:1001@127.0.0.1", response="${response}", qop=auth, nc=00000001, cnonce="c1", algorithm=MD5`;
  }
  const accounts = (u: string) => (u === 'phone1' ? 'pw' : undefined);

  it('accepts the right password, refuses wrong ones, forged nonces and unknown users', () => {
    let now = 1_000_000;
    const auth = new DigestAuth('r', 60_000, () => now);
    const challenge = auth.challenge();
    expect(auth.verify(answer(challenge, 'phone1', 'pw'), 'INVITE', accounts)).toEqual({ user: 'phone1' });
    expect(auth.verify(answer(challenge, 'phone1', 'bad'), 'INVITE', accounts)).toEqual({});
    expect(auth.verify(answer(challenge, 'other', 'pw'), 'INVITE', accounts)).toEqual({});
    expect(auth.verify(answer(challenge, 'phone1', 'pw', 'abc.def'), 'INVITE', accounts)).toEqual({});
    expect(auth.verify(answer(new DigestAuth('r').challenge(), 'phone1', 'pw'), 'INVITE', accounts)).toEqual({});
    expect(auth.verify(answer(challenge, 'phone1', 'pw'), 'BYE', accounts)).toEqual({});
    now += 61_000;
    expect(auth.verify(answer(challenge, 'phone1', 'pw'), 'INVITE', accounts)).toEqual({ stale: true });
  });
});

describe('SDP', () => {
  const offer = (m: string, extra = '') => `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n${m}\r\n${extra}`;

  it('picks the first G.711 law the phone offers and its telephone-event type', () => {
    expect(parseAudioOffer(offer('m=audio 4000 RTP/AVP 9 8 0 101', 'a=rtpmap:101 telephone-event/8000\r\n'))).toEqual({ address: '127.0.0.1', port: 4000, law: 'pcma', dtmfPayloadType: 101 });
    expect(parseAudioOffer(offer('m=audio 4000 RTP/AVP 0'))).toMatchObject({ law: 'pcmu', dtmfPayloadType: undefined });
    expect(parseAudioOffer(offer('m=audio 4000 RTP/AVP 9 18'))).toBeUndefined();
    expect(parseAudioOffer(offer('m=audio 0 RTP/AVP 0'))).toBeUndefined();
    expect(parseAudioOffer('garbage')).toBeUndefined();
  });

  it('answers with exactly the chosen law', () => {
    const sdp = buildAudioSdp({ address: '127.0.0.1', port: 5000, laws: ['pcmu'], dtmfPayloadType: 101, sessionId: '7' });
    expect(sdp).toContain('m=audio 5000 RTP/AVP 0 101\r\n');
    expect(parseAudioOffer(sdp)).toEqual({ address: '127.0.0.1', port: 5000, law: 'pcmu', dtmfPayloadType: 101 });
  });
});

describe('SIP over a TCP stream', () => {
  const message = (n: number, body = 'x'.repeat(n)) => `OPTIONS sip:a@b SIP/2.0\r\nCall-ID: c${n}\r\nl: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

  it('cuts messages at Content-Length however the bytes arrive', () => {
    const stream = Buffer.from(`\r\n${message(3)}${message(0)}\r\n\r\n${message(10)}`);
    for (const size of [1, 7, 64, stream.length]) {
      const reader = new SipStreamReader();
      const got = [];
      for (let i = 0; i < stream.length; i += size) got.push(...reader.push(stream.subarray(i, i + size)));
      expect(got.map((m) => [header(m, 'call-id'), m.body.length])).toEqual([['c3', 3], ['c0', 0], ['c10', 10]]);
    }
  });

  it('refuses streams it cannot frame', () => {
    expect(() => new SipStreamReader().push(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\n'))).toThrow(SipStreamError);
    expect(() => new SipStreamReader().push(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nl: 99999\r\n\r\n'))).toThrow(SipStreamError);
    expect(() => new SipStreamReader().push(Buffer.alloc(17 * 1024, 0x41))).toThrow(SipStreamError);
    expect(() => new SipStreamReader().push(Buffer.from('garbage\r\nl: 0\r\n\r\n'))).toThrow(SipStreamError);
  });
});
