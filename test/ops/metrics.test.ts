// /metrics during a real two-talker session (real signaling, WebRTC and Opus): the per-loop series,
// sessions, quality histograms and counters carry plausible values; injected 5 % uplink loss reads
// as ~5 %; a client's RTCP receiver report lands in the downlink histograms. The scrape is parsed
// with parse-prometheus-text-format and linted by `promtool check metrics`, and every metric the
// Grafana dashboard and the alert rules query exists in it.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tone } from '../../testkit/signal/index.js';
import { FRAME_SAMPLES } from '../../src/media/opus.js';
import { receiverReport } from '../../src/media/rtcp.js';
import type { Track } from '../../src/media/webrtc-native.js';
import { Operator, sleep } from '../support/media-operator.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { get, promtoolCheckMetrics, Scrape } from './scrape.js';
import { seededRandom as seeded } from '../../testkit/random.js';


const toneSource = (frequency: number) => (index: number) => tone({ frequency, dbfs: -12, samples: FRAME_SAMPLES, startSample: index * FRAME_SAMPLES });

let server: TestServer;
const operators: Operator[] = [];

async function scrape(): Promise<Scrape> {
  const answer = await get(server.port, '/metrics');
  expect(answer.status).toBe(200);
  return new Scrape(answer.body);
}

async function until(check: (s: Scrape) => boolean, deadlineMs: number, what: string): Promise<Scrape> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const s = await scrape();
    if (check(s)) return s;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** Every metric name used in PromQL expressions (identifiers followed by a selector, range or ")"). */
function metricNames(expressions: string[]): Set<string> {
  const names = new Set<string>();
  for (const expr of expressions) for (const m of expr.matchAll(/\b(loopcast_[a-z0-9_]+)/g)) names.add(m[1] as string);
  return names;
}

/** A histogram family exposes name_bucket/_sum/_count; the rest their own name. */
function exposedNames(s: Scrape): Set<string> {
  const out = new Set<string>();
  for (const f of s.families.values()) {
    out.add(f.name);
    if (f.type === 'HISTOGRAM') for (const suffix of ['_bucket', '_sum', '_count']) out.add(f.name + suffix);
  }
  return out;
}

beforeAll(async () => {
  server = await startTestServer({ config: { media: { enabled: true, bindAddress: '127.0.0.1' } } });
});
afterAll(async () => {
  for (const op of operators) op.close();
  await server.stop();
});

describe('metrics during a two-talker session', () => {
  it('per-loop, session and quality series are plausible; 5 % injected uplink loss reads as ~5 %', async () => {
    const alice = await Operator.connect(server.apiUrl, 'alice', 'flight', { source: toneSource(440), lossPercent: 5, random: seeded(1) });
    const carol = await Operator.connect(server.apiUrl, 'carol', 'flight', { source: toneSource(880), lossPercent: 5, random: seeded(2) });
    const bob = await Operator.connect(server.apiUrl, 'bob', 'ground');
    operators.push(alice, carol, bob);
    await bob.switch('loop1', 'recv');
    await bob.switch('loop2', 'recv');
    await alice.switch('loop1', 'send');
    await carol.switch('loop2', 'send');
    await alice.talk('loop1', true);
    await carol.talk('loop2', true);
    alice.media.startSending();
    carol.media.startSending();

    // ~2000 expected packets (20 s of two talkers at most): loss measured over enough packets to be ~5 %.
    const s = await until((x) => x.value('loopcast_uplink_packets_expected_total') >= 800, 30_000, '800 uplink packets');

    // Per loop: bob monitors both; alice talks on loop1, carol on loop2.
    expect(s.value('loopcast_loop_participants', { loop: 'loop1' })).toBe(2);
    expect(s.value('loopcast_loop_monitors', { loop: 'loop1' })).toBe(1);
    expect(s.value('loopcast_loop_talkers', { loop: 'loop1' })).toBe(1);
    expect(s.value('loopcast_loop_talkers', { loop: 'loop2' })).toBe(1);
    expect(s.value('loopcast_loop_talk_seconds_total', { loop: 'loop1' })).toBeGreaterThan(2);
    expect(s.value('loopcast_loop_voice_active', { loop: 'loop1' })).toBe(1);
    expect(s.value('loopcast_loop_voice_seconds_total', { loop: 'loop2' })).toBeGreaterThan(1);
    // Sessions by role; keysets (a role authorized) apart from consoles.
    expect(s.value('loopcast_sessions', { role: 'flight', client: 'keyset' })).toBe(2);
    expect(s.value('loopcast_sessions', { role: 'ground', client: 'keyset' })).toBe(1);
    expect(s.value('loopcast_logins_total', { outcome: 'ok' })).toBe(3);
    expect(s.value('loopcast_media_sessions')).toBe(3);
    const setup = s.histogram('loopcast_media_setup_seconds');
    expect(setup.count).toBe(3);
    expect(setup.sum / setup.count).toBeLessThan(5);

    // Uplink loss: counters give the ratio alerts use; the histogram has one observation per talker per second.
    const lossRatio = s.value('loopcast_uplink_packets_lost_total') / s.value('loopcast_uplink_packets_expected_total');
    expect(lossRatio, `uplink loss ${(lossRatio * 100).toFixed(1)} %`).toBeGreaterThan(0.03);
    expect(lossRatio).toBeLessThan(0.07);
    const loss = s.histogram('loopcast_uplink_loss_ratio');
    expect(loss.count).toBeGreaterThanOrEqual(4);
    expect(loss.sum / loss.count).toBeGreaterThan(0.02);
    expect(loss.sum / loss.count).toBeLessThan(0.09);
    expect(loss.le('0.2')).toBe(loss.count);
    const jitter = s.histogram('loopcast_uplink_jitter_seconds');
    expect(jitter.count).toBe(loss.count);
    expect(jitter.sum / jitter.count, 'mean uplink jitter on loopback, seconds').toBeLessThan(0.02);

    // Mixing cost and the clock.
    const tick = s.histogram('loopcast_mix_tick_seconds');
    expect(tick.count).toBeGreaterThan(100);
    expect(tick.sum / tick.count).toBeLessThan(0.01);
    expect(s.histogram('loopcast_encode_seconds').count).toBeGreaterThan(100);
    const lateness = s.histogram('loopcast_clock_lateness_seconds');
    expect(lateness.count).toBe(tick.count);
    expect(s.value('loopcast_build_info')).toBe(1);

    // Downlink quality from what a client reports: bob's RTCP receiver report (5 % lost, 2 ms jitter).
    // The test client has no RTCP stack, so it sends the report over its SRTP track by hand.
    const track = (bob.media as unknown as { track: Track }).track;
    const downlinkSsrc = await downlinkSsrcOf(bob);
    track.sendMessageBinary(receiverReport(bob.media.ssrc, { source: downlinkSsrc, fractionLost: 0.05, cumulativeLost: 10, highestSeq: 200, jitter: 96, lsr: 0, dlsr: 0 }));
    const after = await until((x) => x.histogram('loopcast_downlink_loss_ratio').count >= 1, 5000, 'the receiver report');
    const down = after.histogram('loopcast_downlink_loss_ratio');
    expect(down.sum / down.count).toBeCloseTo(0.05, 2);
    const downJitter = after.histogram('loopcast_downlink_jitter_seconds');
    expect(downJitter.sum / downJitter.count).toBeCloseTo(0.002, 4);
    expect(after.histogram('loopcast_downlink_rtt_seconds').count, 'LSR 0 answers no SR: no RTT').toBe(0);

    // Round trip: the server sends RTCP sender reports on the downlink; bob answers the next one with
    // an RR carrying its LSR and how long he held it (DLSR), like an RTCP stack does.
    const sr = await nextSenderReport(bob, downlinkSsrc);
    // The SR's RTP timestamp is on the axis of the packets bob hears (same instant within ~200 ms).
    const lastTs = await new Promise<number>((resolve) => bob.media.once('rtp', (p) => resolve(p.timestamp)));
    expect(Math.abs(((lastTs - sr.rtpTimestamp) | 0) / 48_000), 'SR RTP timestamp vs downlink packets, s').toBeLessThan(0.2);
    const heldUnits = Math.round(((performance.now() - sr.arrivedAt) / 1000) * 65_536);
    track.sendMessageBinary(receiverReport(bob.media.ssrc, { source: downlinkSsrc, fractionLost: 0, cumulativeLost: 10, highestSeq: 300, jitter: 48, lsr: sr.lsr, dlsr: heldUnits }));
    const withRtt = await until((x) => x.histogram('loopcast_downlink_rtt_seconds').count >= 1, 5000, 'an RTT sample');
    const rtt = withRtt.histogram('loopcast_downlink_rtt_seconds');
    expect(rtt.count).toBe(1);
    expect(rtt.sum, 'loopback RTT, seconds').toBeGreaterThanOrEqual(0);
    expect(rtt.sum).toBeLessThan(0.05);

    // A second, independent parser and linter of the exposition format. Its only complaints may be
    // about prom-client's own Node.js gauges named *_total (not ours to rename).
    const lint = await promtoolCheckMetrics(after.text);
    const problems = lint.output.split('\n').filter((line) => line.trim() !== '' && !/^loopcast_nodejs_active_\w+_total non-counter/.test(line));
    expect(problems, lint.output).toEqual([]);

    // Everything the dashboard and the alert rules query is exposed.
    const dashboard = JSON.parse(readFileSync(new URL('../../deploy/grafana/loopcast-dashboard.json', import.meta.url), 'utf8')) as {
      panels: Array<{ targets: Array<{ expr: string }> }>;
      templating: { list: Array<{ query?: unknown }> };
    };
    const queries = [...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)), ...dashboard.templating.list.map((v) => (typeof v.query === 'string' ? v.query : ''))];
    const rules = readFileSync(new URL('../../deploy/prometheus/loopcast-alerts.yml', import.meta.url), 'utf8');
    const exposed = exposedNames(after);
    const missing = [...metricNames([...queries, rules])].filter((name) => !exposed.has(name));
    expect(missing, 'queried but not exposed').toEqual([]);

    // Nobody talks: the loss counters stand still (no fake zeros), the talkers gauges drop.
    alice.media.stopSending();
    carol.media.stopSending();
    await alice.talk('loop1', false);
    await carol.talk('loop2', false);
    const quiet = await until((x) => x.value('loopcast_loop_voice_active', { loop: 'loop1' }) === 0, 5000, 'voice off');
    expect(quiet.value('loopcast_loop_talkers', { loop: 'loop1' })).toBe(0);
    const expectedThen = quiet.value('loopcast_uplink_packets_expected_total');
    await sleep(1500);
    const later = await scrape();
    expect(later.value('loopcast_uplink_packets_expected_total')).toBe(expectedThen);
    expect(later.histogram('loopcast_uplink_loss_ratio').sum / later.histogram('loopcast_uplink_loss_ratio').count).toBeGreaterThan(0.02);
  }, 90_000);

  it('counts socket closes by code and failed logins by reason', async () => {
    const op = await Operator.connect(server.apiUrl, 'bob', 'ground');
    await op.signaling.request('logout', {}).catch(() => undefined);
    op.media.close();
    const failed = await Operator.connect(server.apiUrl, 'alice', 'flight', {}, 'wrong password').catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(Error);
    const s = await until((x) => x.value('loopcast_socket_closes_total', { code: '1000' }) >= 1, 5000, 'a 1000 close');
    expect(s.value('loopcast_logins_total', { outcome: 'wrong_credentials' })).toBe(1);
  }, 30_000);
});

/** The next RTCP sender report from the server about `ssrc`: its LSR value, RTP timestamp and arrival. */
function nextSenderReport(op: Operator, ssrc: number): Promise<{ lsr: number; rtpTimestamp: number; arrivedAt: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no sender report within 6 s')), 6000);
    const onRtcp = (packet: Buffer): void => {
      if (packet.length < 28 || packet[1] !== 200 || packet.readUInt32BE(4) !== ssrc) return;
      clearTimeout(timer);
      op.media.off('rtcp', onRtcp);
      const lsr = ((packet.readUInt32BE(8) & 0xffff) * 65_536 + (packet.readUInt32BE(12) >>> 16)) >>> 0;
      resolve({ lsr, rtpTimestamp: packet.readUInt32BE(16), arrivedAt: performance.now() });
    };
    op.media.on('rtcp', onRtcp);
  });
}

/** The SSRC of the audio bob receives (from the RTP the test client decodes). */
function downlinkSsrcOf(op: Operator): Promise<number> {
  return new Promise((resolve) => op.media.once('rtp', (packet) => resolve(packet.ssrc)));
}
