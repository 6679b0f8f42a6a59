// Stored session/settings, login messages, lead choice, config, audio quality.
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/protocol/errors.js';
import { ProtocolRequestError } from '../../web/keyset/src/logic/envelope.js';
import { backendLabel, backendUrls, chooseLead, leadSwitchNotice } from '../../web/keyset/src/logic/lead.js';
import { livenessInterval, livenessTimeout, PingSupport } from '../../web/keyset/src/logic/liveness.js';
import { assessQuality } from '../../web/keyset/src/logic/quality.js';
import { DEFAULT_SETTINGS, loadSession, loadSettings, loginErrorText, saveSession, saveSettings, type KeyValueStore } from '../../web/keyset/src/logic/storage.js';

function memoryStore(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
}

describe('storage', () => {
  it('round-trips the session and rejects junk', () => {
    const store = memoryStore();
    expect(loadSession(store)).toBeUndefined();
    saveSession(store, { client: 'c', user: 'bob', role: 'ground', sessions: { 'wss://a/api': 's1' } });
    expect(loadSession(store)).toEqual({ client: 'c', user: 'bob', role: 'ground', sessions: { 'wss://a/api': 's1' } });
    store.setItem('loopcast.keyset.session', '{"client":1}');
    expect(loadSession(store)).toBeUndefined();
    saveSession(store, undefined);
    expect(store.data.size).toBe(0);
  });

  it('loads settings with defaults for missing or invalid fields', () => {
    const store = memoryStore();
    expect(loadSettings(store)).toEqual(DEFAULT_SETTINGS);
    saveSettings(store, { ...DEFAULT_SETTINGS, theme: 'light', pttKey: 'KeyT', latch: true });
    expect(loadSettings(store)).toMatchObject({ theme: 'light', pttKey: 'KeyT', latch: true });
    store.setItem('loopcast.keyset.settings', '{"theme":"pink","pttKey":"","multiTalk":"yes"}');
    expect(loadSettings(store)).toEqual(DEFAULT_SETTINGS);
  });

  it('words login errors for operators', () => {
    // As the server sends them (src/protocol/errors.ts), and as the openvocs backend does (code only).
    const received = (error: ProtocolError) => new ProtocolRequestError('login', error.toWire());
    expect(loginErrorText(received(ProtocolError.auth('wrong user name or password')))).toBe('Wrong user name or password.');
    expect(loginErrorText(new ProtocolRequestError('login', { code: 5000, description: 'authentication or authorization failed' }))).toBe('Wrong user name or password.');
    const throttled = ProtocolError.named('loginThrottled', 'too many failed logins; retry in 4 s', { details: { retryAfterSeconds: 4 } });
    expect(loginErrorText(received(throttled))).toBe('Too many failed attempts: retry in 4 s.');
    expect(loginErrorText(received(ProtocolError.named('rateLimited')))).toMatch(/busy/);
    expect(loginErrorText(undefined, '')).toBe('Cannot reach the server.');
  });
});

describe('backends', () => {
  it('reads config.json or falls back to the page origin', () => {
    expect(backendUrls({ backends: [] }, 'https://keyset.example:8443/')).toEqual(['wss://keyset.example:8443/api']);
    expect(backendUrls(undefined, 'http://localhost:5173/x')).toEqual(['ws://localhost:5173/api']);
    expect(backendUrls({ backends: ['wss://a/api', 'wss://b/api', 'wss://a/api', 'ftp://c', 3] }, 'https://x/')).toEqual(['wss://a/api', 'wss://b/api']);
  });

  it('keeps the lead while up, fails over in configured order, honours a manual choice', () => {
    const up = (a: boolean, b: boolean) => [
      { url: 'a', ready: a },
      { url: 'b', ready: b },
    ];
    expect(chooseLead(up(true, true), undefined)).toBe('a');
    expect(chooseLead(up(true, true), 'b')).toBe('b');
    expect(chooseLead(up(false, true), 'a')).toBe('b');
    expect(chooseLead(up(true, true), 'a', 'b')).toBe('b');
    expect(chooseLead(up(true, false), 'a', 'b')).toBe('a');
    expect(chooseLead(up(false, false), 'a')).toBe('a');
  });

  it('names backends by host and says why the lead changed', () => {
    expect(backendLabel('wss://backend-a.example/api')).toBe('backend-a.example');
    expect(backendLabel('wss://10.1.0.2:8443/api')).toBe('10.1.0.2:8443');
    expect(backendLabel('not a url')).toBe('not a url');
    expect(leadSwitchNotice({ url: 'wss://a:1/api', ready: false }, 'wss://b:2/api')).toBe('Backend a:1 lost · Switched to backend b:2');
    expect(leadSwitchNotice({ url: 'wss://a:1/api', ready: true }, 'wss://b:2/api')).toBe('Switched to backend b:2');
    expect(leadSwitchNotice(undefined, 'wss://b:2/api')).toBe('Switched to backend b:2');
  });

  it('fails a backend over when its ping goes unanswered, and never pings one that does not know ping', () => {
    const loopcast = new PingSupport();
    expect(loopcast.enabled).toBe(true);
    expect(loopcast.next('answered')).toBe('again');
    expect(loopcast.next('refused')).toBe('again'); // an error reply is still an answer
    expect(loopcast.next('silent')).toBe('fail');
    expect(loopcast.next('closed')).toBe('stop');
    expect(loopcast.enabled).toBe(true);

    const refusing = new PingSupport(); // answers unknown events with an error
    expect(refusing.next('refused')).toBe('stop');
    expect(refusing.enabled).toBe(false);

    const closing = new PingSupport(); // the openvocs C backend closes the socket on an unknown event
    expect(closing.next('closed')).toBe('stop');
    expect(closing.enabled).toBe(false);

    expect(new PingSupport().next('silent')).toBe('fail'); // hung from the start
    // Fast when another backend can take over; alone, a short stall is not worth an outage.
    expect(livenessTimeout(true)).toBeLessThan(1000);
    expect(livenessTimeout(false)).toBeGreaterThanOrEqual(5000);
    // A keyset with one backend pings seldom (server cost), one with a standby often (fast failover).
    expect(livenessInterval(true)).toBeLessThan(500);
    expect(livenessInterval(false)).toBeGreaterThanOrEqual(2000);
  });
});

describe('assessQuality', () => {
  it('computes interval loss and grades', () => {
    const q = assessQuality({ packetsReceived: 100, packetsLost: 0 }, { packetsReceived: 198, packetsLost: 2, jitter: 0.01, rtt: 0.02 });
    expect(q.lossPercent).toBeCloseTo(2);
    expect(q.jitterMs).toBeCloseTo(10);
    expect(q.grade).toBe('fair');
    expect(assessQuality(undefined, { packetsReceived: 500, packetsLost: 0, rtt: 0.01 }).grade).toBe('good');
    expect(assessQuality(undefined, { packetsReceived: 90, packetsLost: 10 }).grade).toBe('poor');
  });
});
