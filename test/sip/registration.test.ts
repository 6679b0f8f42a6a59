// Outbound registration (RFC 3261 §10.2) as a unit: the state machine on a fake clock, the REGISTER it
// builds, digest answers checked by the gateway's own verifier, and hostile registrar responses.
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { resolveConfig } from '../../src/config/config.js';
import { DigestAuth } from '../../src/gateways/sip/digest.js';
import { grantedExpires, parseChallenge, splitContacts, type RegistrationSettings } from '../../src/gateways/sip/registration-messages.js';
import { Registration, type RegistrationState, type RegistrationTimers } from '../../src/gateways/sip/registration.js';
import { Registrations, type RegistrationStatus } from '../../src/gateways/sip/registrations.js';
import { registerSipMetrics } from '../../src/gateways/sip/sip-metrics.js';
import { header, parseSip, responseTo, serializeSip, type SipHeader, type SipRequest, type SipResponse } from '../../src/gateways/sip/sip-message.js';

class FakeClock implements RegistrationTimers {
  now = 0;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();
  set(fn: () => void, ms: number): unknown {
    this.seq++;
    this.pending.set(this.seq, { at: this.now + ms, fn });
    return this.seq;
  }
  clear(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const next = [...this.pending.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!next) break;
      this.pending.delete(next[0]);
      this.now = next[1].at;
      next[1].fn();
    }
    this.now = end;
  }
}

const SETTINGS: RegistrationSettings = { registrar: { host: '192.0.2.20', port: 5060 }, transport: 'udp', user: 'loopcast', authUser: 'lc-auth', password: 'pbx secret', expires: 3600 };
const LOCAL = { host: '192.0.2.10', port: 5070 };

function setup(settings: Partial<RegistrationSettings> = {}) {
  const clock = new FakeClock();
  const sent: SipRequest[] = [];
  const states: RegistrationState[] = [];
  const registration = new Registration({ ...SETTINGS, ...settings }, { local: LOCAL, send: (r) => sent.push(r), onState: (s) => states.push(s), timers: clock });
  const reply = (status: number, reason: string, extra: SipHeader[] = [], request = sent.at(-1) as SipRequest): void => {
    // Through the wire format, as the gateway receives it.
    const parsed = parseSip(serializeSip(responseTo(request, status, reason, extra)));
    if (parsed?.kind === 'response') registration.receive(parsed);
  };
  return { clock, sent, states, registration, reply };
}

const expiresOf = (r: SipRequest): string | undefined => header(r, 'expires');

describe('outbound registration', () => {
  it('registers with digest, refreshes at half the granted time with one Call-ID and rising CSeqs, unregisters on stop', async () => {
    const server = new DigestAuth('pbx.example');
    const { clock, sent, states, registration, reply } = setup();
    registration.start();
    expect(sent).toHaveLength(1);
    const first = sent[0] as SipRequest;
    expect(first.uri).toBe('sip:192.0.2.20:5060');
    expect(header(first, 'contact')).toBe('<sip:loopcast@192.0.2.10:5070>;expires=3600');
    expect(header(first, 'to')).toBe('<sip:loopcast@192.0.2.20>');
    expect(header(first, 'via')).toMatch(/^SIP\/2\.0\/UDP 192\.0\.2\.10:5070;branch=z9hG4bK/);
    expect(header(first, 'authorization')).toBeUndefined();
    reply(401, 'Unauthorized', [{ name: 'WWW-Authenticate', value: server.challenge() }]);
    expect(sent).toHaveLength(2);
    const authorization = header(sent[1] as SipRequest, 'authorization') ?? '';
    expect(authorization).toMatch(/qop=auth, nc=00000001, cnonce="[0-9a-f]{16}"/);
    expect(server.verify(authorization, 'REGISTER', (u) => (u === 'lc-auth' ? 'pbx secret' : undefined))).toEqual({ user: 'lc-auth' });
    reply(200, 'OK', [{ name: 'Contact', value: '<sip:other@192.0.2.99>;expires=50, <sip:loopcast@192.0.2.10:5070>;expires=600' }, { name: 'Expires', value: '3600' }]);
    expect(registration.state).toEqual({ kind: 'registered', expires: 600 });
    clock.advance(299_000);
    expect(sent).toHaveLength(2);
    clock.advance(1000);
    expect(sent).toHaveLength(3);
    // The refresh reuses the challenge (nc counts up) and keeps the dialog identifiers.
    const refresh = sent[2] as SipRequest;
    expect(header(refresh, 'authorization')).toMatch(/nc=00000002/);
    expect(server.verify(header(refresh, 'authorization') ?? '', 'REGISTER', () => 'pbx secret')).toEqual({ user: 'lc-auth' });
    expect(sent.map((r) => header(r, 'call-id'))).toEqual(Array(3).fill(registration.callId));
    expect(sent.map((r) => header(r, 'cseq'))).toEqual(['1 REGISTER', '2 REGISTER', '3 REGISTER']);
    expect(new Set(sent.map((r) => header(r, 'via'))).size).toBe(3);
    reply(200, 'OK', [{ name: 'Expires', value: '600' }]);
    expect(states.map((s) => s.kind)).toEqual(['registered']);
    const stopped = registration.stop(2000);
    const bye = sent[3] as SipRequest;
    expect(expiresOf(bye)).toBe('0');
    expect(header(bye, 'contact')).toBe('<sip:loopcast@192.0.2.10:5070>;expires=0');
    expect(header(bye, 'cseq')).toBe('4 REGISTER');
    reply(200, 'OK');
    await stopped;
    clock.advance(10_000_000);
    expect(sent).toHaveLength(4);
  });

  it('fails on a second challenge after credentials (no loop) and retries with a doubling, bounded backoff', () => {
    const server = new DigestAuth('pbx');
    const { clock, sent, registration, reply } = setup();
    registration.start();
    const retries: number[] = [];
    for (let round = 0; round < 9; round++) {
      const before = sent.length;
      reply(401, 'Unauthorized', [{ name: 'WWW-Authenticate', value: server.challenge() }]);
      reply(401, 'Unauthorized', [{ name: 'WWW-Authenticate', value: server.challenge() }]);
      // The last try carried credentials: two more requests at most (the answered challenge), then nothing.
      expect(sent.length - before).toBeLessThanOrEqual(1);
      const state = registration.state;
      expect(state.kind).toBe('failing');
      if (state.kind !== 'failing') return;
      expect(state.reason).toBe('401: credentials refused');
      retries.push(state.retryInMs);
      clock.advance(state.retryInMs - 1);
      const count = sent.length;
      clock.advance(1);
      expect(sent.length).toBe(count + 1);
    }
    expect(retries).toEqual([5000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
  });

  it('answers a stale challenge once more; a 407 with Proxy-Authorization', () => {
    const { sent, registration, reply } = setup();
    registration.start();
    reply(407, 'Proxy Authentication Required', [{ name: 'Proxy-Authenticate', value: 'Digest realm="p", nonce="n1"' }]);
    expect(header(sent[1] as SipRequest, 'proxy-authorization')).toMatch(/^Digest username="lc-auth", realm="p", nonce="n1".*response="[0-9a-f]{32}"/);
    expect(header(sent[1] as SipRequest, 'proxy-authorization')).not.toMatch(/qop/);
    reply(407, 'Proxy Authentication Required', [{ name: 'Proxy-Authenticate', value: 'Digest realm="p", nonce="n2", stale=true' }]);
    expect(sent).toHaveLength(3);
    reply(407, 'Proxy Authentication Required', [{ name: 'Proxy-Authenticate', value: 'Digest realm="p", nonce="n3", stale=true' }]);
    expect(sent).toHaveLength(3);
    expect(registration.state).toMatchObject({ kind: 'failing', reason: '407: credentials refused' });
  });

  it('uses Min-Expires after 423 once; refuses a bogus one', () => {
    const { sent, registration, reply } = setup({ expires: 60 });
    registration.start();
    reply(423, 'Interval Too Brief', [{ name: 'Min-Expires', value: '900' }]);
    expect(expiresOf(sent[1] as SipRequest)).toBe('900');
    reply(423, 'Interval Too Brief', [{ name: 'Min-Expires', value: '1800' }]);
    expect(registration.state).toMatchObject({ kind: 'failing', reason: '423 Interval Too Brief' });
    const other = setup();
    other.registration.start();
    other.reply(423, 'Interval Too Brief', [{ name: 'Min-Expires', value: '99999999999999' }]);
    expect(other.sent).toHaveLength(1);
    expect(other.registration.state.kind).toBe('failing');
  });

  it('retransmits over UDP (T1 doubling to T2) and gives up after Timer F; 403 and 503 fail; a send error fails', () => {
    const { clock, sent, registration, reply } = setup();
    registration.start();
    const at: number[] = [];
    for (let t = 0; t < 32_000; t += 100) {
      const n = sent.length;
      clock.advance(100);
      if (sent.length > n) at.push(clock.now);
    }
    expect(at.slice(0, 5)).toEqual([500, 1500, 3500, 7500, 11_500]);
    expect(registration.state).toMatchObject({ kind: 'failing', reason: 'no answer from the registrar (timeout)', retryInMs: 5000 });
    clock.advance(5000);
    reply(100, 'Trying');
    reply(403, 'Forbidden');
    expect(registration.state).toMatchObject({ kind: 'failing', reason: '403 Forbidden', retryInMs: 10_000 });
    clock.advance(10_000);
    reply(503, 'Service Unavailable');
    expect(registration.state).toMatchObject({ kind: 'failing', reason: '503 Service Unavailable' });
    const broken = new Registration(SETTINGS, { local: LOCAL, send: () => { throw new Error('EHOSTUNREACH'); }, onState: () => undefined, timers: new FakeClock() });
    broken.start();
    expect(broken.state).toMatchObject({ kind: 'failing', reason: 'cannot send: EHOSTUNREACH' });
  });

  it('stops within its deadline when the registrar is silent; without a binding it sends nothing', async () => {
    const { clock, sent, registration, reply } = setup();
    registration.start();
    reply(200, 'OK');
    expect(registration.state).toEqual({ kind: 'registered', expires: 3600 });
    const stopped = registration.stop(2000);
    clock.advance(2000);
    await stopped;
    expect(expiresOf(sent.at(-1) as SipRequest)).toBe('0');
    const idle = setup();
    await idle.registration.stop(2000);
    expect(idle.sent).toHaveLength(0);
  });

  it('survives hostile responses: wrong CSeq, malformed and huge values, odd challenges', () => {
    const { sent, registration, reply } = setup();
    registration.start();
    const req = sent[0] as SipRequest;
    const forged = (cseq: string): SipRequest => ({ ...req, headers: req.headers.map((h) => (h.name === 'CSeq' ? { name: 'CSeq', value: cseq } : h)) });
    reply(200, 'OK', [], forged('7 REGISTER'));
    reply(200, 'OK', [], forged('1 INVITE'));
    reply(200, 'OK', [], forged('x'.repeat(5000)));
    expect(registration.state.kind).toBe('registering');
    for (const challenge of ['', 'Basic realm="x"', 'Digest realm="a\\"b", nonce="n"', 'Digest realm="r", nonce="n", algorithm=SHA-256', 'Digest realm="r", nonce="n", qop="auth-int"', 'Digest realm="r"', `Digest realm="r", nonce="${'n'.repeat(10_000)}"`]) {
      const r = setup();
      r.registration.start();
      r.reply(401, 'Unauthorized', challenge ? [{ name: 'WWW-Authenticate', value: challenge }] : []);
      expect(r.sent, challenge).toHaveLength(1);
      expect(r.registration.state.kind).toBe('failing');
    }
    const huge = setup();
    huge.registration.start();
    huge.reply(200, 'OK', [{ name: 'Expires', value: '99999999999999999999' }, { name: 'Contact', value: '<sip:loopcast@192.0.2.10:5070;expires=1>;expires=banana' }]);
    expect(huge.registration.state).toEqual({ kind: 'registered', expires: 3600 });
    const gone = setup();
    gone.registration.start();
    gone.reply(200, 'OK', [{ name: 'Contact', value: '<sip:someone-else@192.0.2.99>;expires=3600' }]);
    expect(gone.registration.state).toMatchObject({ kind: 'failing', reason: 'the registrar did not keep our contact' });
  });
});

describe('registration messages', () => {
  const ok = (extra: SipHeader[]): SipResponse => ({ kind: 'response', status: 200, reason: 'OK', headers: extra, body: '' });
  it('reads the granted time from our contact, the Expires header, or what we asked', () => {
    const ours = 'sip:lc@10.0.0.1:5060';
    expect(grantedExpires(ok([{ name: 'm', value: '"A, b" <sip:x@y>;expires=9, <sip:LC@10.0.0.1:5060>;q=1;expires=120' }]), ours, 3600)).toBe(120);
    expect(grantedExpires(ok([{ name: 'Expires', value: '300' }]), ours, 3600)).toBe(300);
    expect(grantedExpires(ok([{ name: 'Expires', value: '7200' }]), ours, 3600)).toBe(3600);
    expect(grantedExpires(ok([{ name: 'Expires', value: '-5' }]), ours, 3600)).toBe(3600);
    expect(grantedExpires(ok([{ name: 'Contact', value: '<sip:lc@10.0.0.1:5060>;expires=0' }]), ours, 3600)).toBe(0);
    expect(splitContacts(Array(500).fill('<sip:a@b>').join(','))).toHaveLength(100);
  });

  it('parses challenges defensively', () => {
    const challenge = (value: string, status = 401): ReturnType<typeof parseChallenge> => parseChallenge({ kind: 'response', status, reason: '', headers: [{ name: status === 407 ? 'Proxy-Authenticate' : 'WWW-Authenticate', value }], body: '' });
    expect(challenge('Digest realm="r", nonce="abc", opaque="o", qop="auth,auth-int", algorithm=md5')).toEqual({ header: 'Authorization', realm: 'r', nonce: 'abc', opaque: 'o', qop: true, stale: false });
    expect(challenge('Digest realm="r", nonce="abc", stale=TRUE', 407)).toMatchObject({ header: 'Proxy-Authorization', qop: false, stale: true });
    expect(challenge('Digest realm="r\u0001", nonce="abc"')).toBe('challenge not understood');
    expect(challenge('Digest realm="r", nonce="abc", algorithm=SHA-512-256')).toMatch(/unsupported digest algorithm/);
  });

  it('configures registrations with defaults and clear errors', () => {
    const base = { dataDir: '/tmp/loopcast-config-test' };
    const config = resolveConfig(base, { sip: { registrations: [{ registrar: '192.0.2.20', user: 'loopcast', password: 'pw' }, { registrar: '192.0.2.21:5080', transport: 'tcp', user: 'lc', password: 'pw', expires: 600 }] } });
    expect(config.sip?.registrations).toEqual([
      { registrar: { host: '192.0.2.20', port: 5060 }, transport: 'udp', user: 'loopcast', password: 'pw', expires: 3600 },
      { registrar: { host: '192.0.2.21', port: 5080 }, transport: 'tcp', user: 'lc', password: 'pw', expires: 600 },
    ]);
    expect(() => resolveConfig(base, { sip: { registrations: [{ registrar: 'pbx.example.org', user: 'u', password: 'p' }] } })).toThrow(/sip\.registrations\.0\.registrar: must be an IPv4 address/);
    expect(() => resolveConfig(base, { sip: { registrations: [{ registrar: '192.0.2.1:70000', user: 'u', password: 'p' }] } })).toThrow(/port must be 1–65535/);
    expect(() => resolveConfig(base, { sip: { registrations: [{ registrar: '192.0.2.1', user: 'u', password: 'p', expires: 10 }] } })).toThrow(/sip\.registrations\.0\.expires/);
    expect(() => resolveConfig(base, { sip: { registrations: [{ registrar: '192.0.2.1', user: 'a b', password: 'p' }] } })).toThrow(/sip\.registrations\.0\.user/);
    expect(() => resolveConfig(base, { sip: { registrations: [{ registrar: '192.0.2.1', user: 'u', password: 'p', transport: 'tls' }] } })).toThrow(/sip\.registrations\.0\.transport/);
  });

  it('never logs the password', () => {
    const lines: string[] = [];
    const log = pino({ level: 'debug' }, { write: (l: string) => lines.push(l) });
    const registrations = new Registrations([{ ...SETTINGS, registrar: { host: '127.0.0.1', port: 9 } }], { local: LOCAL, sendUdp: () => { throw new Error('down'); }, log, retryMinMs: 60_000 });
    registrations.start();
    expect(registrations.status()).toEqual([{ index: 0, registrar: '127.0.0.1:9', user: 'loopcast', state: 'failing', reason: 'cannot send: down', retryInMs: 60_000 }]);
    expect(lines.join('')).toMatch(/SIP registration failing/);
    expect(lines.join('')).not.toMatch(/pbx secret/);
    return registrations.stop(10);
  });
});

describe('registration metrics', () => {
  it('counts registrations by state', async () => {
    const registry = new Registry();
    let list: RegistrationStatus[] = [];
    registerSipMetrics(registry, () => []);
    registerSipMetrics(registry, () => list);
    list = [
      { index: 0, registrar: '192.0.2.1:5060', user: 'a', state: 'registered', expires: 60 },
      { index: 1, registrar: '192.0.2.2:5060', user: 'b', state: 'failing', reason: '403 Forbidden', retryInMs: 5000 },
      { index: 2, registrar: '192.0.2.3:5060', user: 'c', state: 'failing', reason: 'timeout', retryInMs: 5000 },
    ];
    const text = await registry.metrics();
    expect(text).toMatch(/loopcast_sip_registrations\{state="registered"\} 1/);
    expect(text).toMatch(/loopcast_sip_registrations\{state="failing"\} 2/);
    expect(text).toMatch(/loopcast_sip_registrations\{state="registering"\} 0/);
  });
});
