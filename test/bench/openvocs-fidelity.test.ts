// The load tool's operator against a test double of the openvocs backend built from the recorded trace
// (test/fixtures/openvocs-wire-log.jsonl): the double answers every request with the reply openvocs gave
// the web client, enforces what the reference backend requires (a Chromium-shaped answer with
// `a=ice-options:trickle` and an `a=ssrc:<n> cname:<x>` line, local candidates only after the answer and
// each with the answer's ufrag; violations close the socket with 1002 like openvocs), and runs real media
// (Loopcast's WebRTC edge) so media_ready follows a real ICE + DTLS setup. The tool must send the web
// client's events in the web client's order with the same parameter shapes.
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { chromiumAnswer, chromiumCandidate } from '../../bench/lib/chromium-sdp.js';
import { loopMulticast, writeBenchDirectory } from '../../bench/lib/directory.js';
import { LoadOperator } from '../../bench/lib/operator.js';
import { WebRtcEdge } from '../../src/media/edge/webrtc-edge.js';
import type { EdgeSession } from '../../src/media/edge/edge-session.js';

type Json = Record<string, unknown>;
interface TraceLine {
  client: string;
  dir: string;
  json: Json | null;
}

const TRACE = fileURLToPath(new URL('../fixtures/openvocs-wire-log.jsonl', import.meta.url));
const trace = readFileSync(TRACE, 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as TraceLine)
  .filter((l) => l.client === 'alice');
const sent = trace.filter((l) => l.dir === 'send').map((l) => l.json as Json);
const replies = trace.filter((l) => l.dir === 'recv' && l.json?.request !== undefined).map((l) => l.json as Json);
/** The web client's requests from connect up to role_loops (the part of the session the tool replays). */
const webClientSetup = sent.slice(0, sent.findIndex((m) => m.event === 'role_loops') + 1);
const ANSWER = (webClientSetup.find((m) => m.event === 'media' && (m.parameter as Json).type === 'answer')?.parameter as Json).sdp as string;

/** Keys and value types, recursively. */
function shape(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value === null ? 'null' : typeof value;
  return Object.fromEntries(Object.entries(value as Json).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, shape(v)]));
}

/** What the openvocs backend (ov_mc_vocs / ice proxy) refuses, as measured against it. */
function openvocsViolation(m: Json, state: { answerUfrag?: string }): string | undefined {
  const p = (m.parameter ?? {}) as Json;
  if (m.event === 'media' && p.type === 'answer') {
    const sdp = String(p.sdp);
    const options = sdp.match(/^a=ice-options:(.*?)\r?$/gm) ?? [];
    if (options.length !== 1 || options[0]?.trim() !== 'a=ice-options:trickle') return `ice-options ${JSON.stringify(options)}`;
    if (!/^a=ssrc:\d+ cname:\S+\r?$/m.test(sdp)) return 'no a=ssrc cname line';
    if (/^a=candidate:/m.test(sdp)) return 'candidates inside the answer';
    state.answerUfrag = /^a=ice-ufrag:(\S+)/m.exec(sdp)?.[1];
  }
  if (m.event === 'candidate') {
    if (state.answerUfrag === undefined) return 'candidate before the answer';
    if (p.ufrag !== state.answerUfrag) return `candidate ufrag ${String(p.ufrag)} (answer ${state.answerUfrag})`;
    if (!String(p.candidate).includes(` ufrag ${state.answerUfrag}`)) return 'candidate text without ufrag';
  }
  return undefined;
}

describe('load tool speaks openvocs like the web client', () => {
  let wss: WebSocketServer;
  let edge: WebRtcEdge;
  const received: Json[] = [];
  const violations: string[] = [];
  let url = '';

  beforeAll(async () => {
    edge = await WebRtcEdge.start({ port: 0, bindAddress: '127.0.0.1' });
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => wss.once('listening', resolve));
    url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/api`;
    wss.on('connection', (ws: WebSocket) => {
      const state: { answerUfrag?: string } = {};
      let session: EdgeSession | undefined;
      let replyIndex = 0;
      ws.on('message', (data) => {
        const m = JSON.parse((data as Buffer).toString('utf8')) as Json;
        received.push(m);
        const violation = openvocsViolation(m, state);
        if (violation) {
          violations.push(violation);
          ws.close(1002);
          return;
        }
        void (async () => {
          let response = (replies.slice(replyIndex).find((r) => r.event === m.event)?.response ?? {}) as Json;
          replyIndex = Math.max(replyIndex, replies.findIndex((r, i) => i >= replyIndex && r.event === m.event) + 1);
          const p = (m.parameter ?? {}) as Json;
          if (m.event === 'media' && p.type === 'request') {
            session = edge.createSession();
            session.on('localCandidate', (c) => ws.send(JSON.stringify({ event: 'candidate', type: 'unicast', parameter: c })));
            session.once('connected', () => ws.send(JSON.stringify({ event: 'media_ready', parameter: {}, type: 'unicast', uuid: crypto.randomUUID() })));
            response = { sdp: await session.createOffer(), type: 'offer' };
          }
          if (m.event === 'media' && p.type === 'answer') await session?.setAnswer(String(p.sdp));
          if (m.event === 'candidate') {
            session?.addRemoteCandidate({ candidate: String(p.candidate), sdpMid: String(p.sdpMid), sdpMLineIndex: Number(p.sdpMLineIndex) });
            response = p;
          }
          ws.send(JSON.stringify({ client: m.client, event: m.event, request: m, response, type: 'unicast', uuid: m.uuid }));
        })();
      });
      ws.on('close', () => session?.close());
    });
  });

  afterAll(async () => {
    for (const c of wss.clients) c.terminate();
    await new Promise((resolve) => wss.close(resolve));
    edge.close();
  });

  it('replays the web client session: same events, same order, same shapes, media_ready over real media', async () => {
    const op = await LoadOperator.connect({ url, user: 'alice', password: 'alice', role: 'flight' }, { mediaTimeoutMs: 10_000 });
    try {
      expect(violations).toEqual([]);
      const events = (list: Json[]): string[] => list.map((m) => `${String(m.event)}${m.event === 'media' ? `:${String((m.parameter as Json).type)}` : ''}`);
      // Candidates: as many as were gathered (one per host address), always between answer and end_of_candidates.
      const collapse = (list: string[]): string[] => list.filter((e, i) => e !== 'candidate' || list[i - 1] !== 'candidate');
      expect(collapse(events(received))).toEqual(collapse(events(webClientSetup)));
      for (const m of received) {
        const web = webClientSetup.find((w) => w.event === m.event && (m.event !== 'media' || (w.parameter as Json).type === (m.parameter as Json).type)) as Json;
        expect(shape(m.parameter), String(m.event)).toEqual(shape(web.parameter));
      }
      expect(op.setupMs).toBeGreaterThan(0);
    } finally {
      await op.close();
    }
  }, 30_000);

  it('the answer is Chromium-shaped line for line, with libdatachannel credentials', () => {
    const lib = [
      'v=0', 'o=rtc 1 0 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0', 'a=ice-options:ice2,trickle',
      'a=fingerprint:sha-256 AA:BB', 'm=audio 9 UDP/TLS/RTP/SAVPF 100', 'c=IN IP4 0.0.0.0', 'a=mid:0', 'a=sendrecv',
      'a=ssrc:42 cname:client-42', 'a=ssrc:42 msid:client uplink-42', 'a=rtcp-mux', 'a=rtpmap:100 opus/48000/2',
      'a=fmtp:100 minptime=10;useinbandfec=1;usedtx=1', 'a=setup:active', 'a=ice-ufrag:abcd', 'a=ice-pwd:secretsecretsecret',
      'a=candidate:1 1 UDP 2114977791 127.0.0.1 58112 typ host',
    ].join('\r\n');
    const answer = chromiumAnswer(lib);
    // Line by line the same kinds of line as Chromium's answer in the trace (values differ).
    const kinds = (sdp: string): string[] => sdp.trim().split(/\r\n/).map((l) => (l.startsWith('a=') ? (/^a=[^: ]+/.exec(l)?.[0] ?? l) : l.slice(0, 2)));
    expect(kinds(answer)).toEqual(kinds(ANSWER));
    expect(answer).toContain('a=ice-options:trickle\r\n');
    expect(answer).toContain('a=ice-ufrag:abcd\r\na=ice-pwd:secretsecretsecret\r\n');
    expect(answer).toContain('a=fingerprint:sha-256 AA:BB\r\n');
    expect(answer).toMatch(/a=ssrc:42 cname:client-42\r\n$/);
    expect(answer).not.toMatch(/ice2|candidate|BUNDLE/);
    expect(chromiumCandidate('a=candidate:1 1 UDP 2114977791 127.0.0.1 58112 typ host', 'abcd')).toBe('candidate:1 1 UDP 2114977791 127.0.0.1 58112 typ host generation 0 ufrag abcd');
  });

  it('generated directories give every loop its own multicast group, as openvocs requires', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bench-dir-'));
    try {
      await writeBenchDirectory(dir, 2, 300);
      const project = JSON.parse(await readFile(join(dir, 'auth/bench/p/config.json'), 'utf8')) as { loops: Record<string, { multicast: { host: string; port: number } }> };
      const groups = Object.values(project.loops).map((l) => `${l.multicast.host}:${l.multicast.port}`);
      expect(groups).toHaveLength(300);
      expect(new Set(groups).size).toBe(300);
      expect(new Set(Object.values(project.loops).map((l) => l.multicast.host)).size).toBe(300);
      for (const l of Object.values(project.loops)) expect(l.multicast.host).toMatch(/^239\.255\.\d+\.\d+$/);
      expect(loopMulticast(256)).toEqual({ host: '239.255.1.0', port: 20_512 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
