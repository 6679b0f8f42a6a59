// Prometheus metrics of the media plane. Hot paths only bump plain numbers; counters are brought up
// to date when Prometheus scrapes (collect), so metrics cost nothing per packet. Quality is exported
// as histograms and counters of what was measured, never as a "current" gauge that reads 0 when
// nobody talks: rate(lost_total) / rate(expected_total) has no data then, which alerts can tell apart.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CodecFactory, MixerCounters } from '../mixer/index.js';
import { SAMPLE_RATE } from '../opus.js';
import type { PlayoutStats } from '../playout/index.js';
import { parseReportBlocks, type ReportBlock } from '../rtcp.js';

export interface PlaneCounters {
  rtpIn: number;
  rtpOut: number;
  /** Uplink DTX packets of idle talkers dropped before the mixer (plane-session.ts). */
  dtxDropped: number;
}

export interface PlaneView {
  readonly sessionCount: number;
  readonly counters: PlaneCounters;
  readonly engineCounters: MixerCounters;
  /** Mixer workers (threads or processes) lost: exited, crashed, killed or hung. */
  readonly enginesLost: number;
  talkerStats(): Array<{ ssrc: number; stats: PlayoutStats }>;
  /** True for the SSRC of a session of this plane (uplinks); other talkers come over the bus. */
  isLocalTalker(ssrc: number): boolean;
}

/** Uplink quality is sampled once per this many 20 ms frames (1 s): one histogram observation per talker. */
export const SAMPLE_TICKS = 50;

const LOSS_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1];
const JITTER_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16];
const RTT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/** A counter that follows a monotonic number read at scrape time. */
function followingCounter(registry: Registry, name: string, help: string, read: () => number): void {
  let last = 0;
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const now = read();
      if (now > last) this.inc(now - last);
      last = Math.max(last, now);
    },
  });
}

export class PlaneMetrics {
  readonly lateness: Histogram;
  private readonly tickTime: Histogram;
  private readonly encodeTime: Histogram;
  private readonly uplinkLoss: Histogram;
  private readonly uplinkJitter: Histogram;
  private readonly uplinkLost: Counter;
  private readonly uplinkExpected: Counter;
  private readonly downlinkLoss: Histogram;
  private readonly downlinkJitter: Histogram;
  private readonly downlinkReports: Counter;
  private readonly downlinkRtt: Histogram;
  /** Per talker SSRC: lost and expected at the previous sample. */
  private readonly lastUplink = new Map<number, { lost: number; expected: number }>();
  private ticks = 0;

  constructor(
    registry: Registry,
    private readonly plane: PlaneView,
    /** Clock ticks per 20 ms frame (the plane's mixing phases). */
    private readonly ticksPerFrame = 1,
  ) {
    const registers = [registry];
    new Gauge({ name: 'loopcast_media_sessions', help: 'Media sessions (WebRTC clients)', registers, collect() { this.set(plane.sessionCount); } });
    followingCounter(registry, 'loopcast_rtp_in_packets_total', 'Uplink RTP packets from clients', () => plane.counters.rtpIn);
    followingCounter(registry, 'loopcast_rtp_out_packets_total', 'Downlink RTP packets to clients', () => plane.counters.rtpOut);
    followingCounter(registry, 'loopcast_uplink_dtx_dropped_total', 'Uplink DTX packets of idle talkers dropped before the mixer', () => plane.counters.dtxDropped);
    followingCounter(registry, 'loopcast_mixer_decodes_total', 'Opus decodes (one per talker per frame)', () => plane.engineCounters.decodes);
    followingCounter(registry, 'loopcast_mixer_conceals_total', 'Frames concealed (lost or late uplink packets)', () => plane.engineCounters.conceals);
    followingCounter(registry, 'loopcast_mixer_encodes_total', 'Opus encodes (one per distinct mix per frame)', () => plane.engineCounters.encodes);
    followingCounter(
      registry,
      'loopcast_mixer_independent_frames_total',
      'Downlink frames coded without inter-frame prediction because a listener starts hearing that encoder (new stream or switched mix)',
      () => plane.engineCounters.independentFrames,
    );
    followingCounter(registry, 'loopcast_mixer_shared_encoder_hits_total', 'Listeners served by an encode made for another listener', () => plane.engineCounters.sharedHits);
    followingCounter(
      registry,
      'loopcast_mixer_workers_lost_total',
      'Mixer worker threads or processes lost (exited, crashed, killed, hung); their listeners were moved to other engines',
      () => plane.enginesLost,
    );
    this.lateness = new Histogram({
      name: 'loopcast_clock_lateness_seconds',
      help: 'How late the 20 ms mixing tick ran after its deadline',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05],
      registers,
    });
    this.tickTime = new Histogram({
      name: 'loopcast_mix_tick_seconds',
      help: 'CPU time of one 20 ms mixer tick: decode, mix and encode for every listener',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02],
      registers,
    });
    this.encodeTime = new Histogram({
      name: 'loopcast_encode_seconds',
      help: 'One Opus encode of a 20 ms mix',
      buckets: [0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005],
      registers,
    });
    this.uplinkLoss = new Histogram({
      name: 'loopcast_uplink_loss_ratio',
      help: 'Uplink packet loss of each talking client, one observation per talker per second (0..1)',
      buckets: LOSS_BUCKETS,
      registers,
    });
    this.uplinkJitter = new Histogram({
      name: 'loopcast_uplink_jitter_seconds',
      help: 'RFC 3550 interarrival jitter of each talking client, one observation per talker per second',
      buckets: JITTER_BUCKETS,
      registers,
    });
    this.uplinkLost = new Counter({ name: 'loopcast_uplink_packets_lost_total', help: 'Uplink RTP packets lost (sequence gaps) from talking clients', registers });
    this.uplinkExpected = new Counter({
      name: 'loopcast_uplink_packets_expected_total',
      help: 'Uplink RTP packets expected from talking clients (received + lost)',
      registers,
    });
    this.downlinkLoss = new Histogram({
      name: 'loopcast_downlink_loss_ratio',
      help: 'Downlink loss reported by clients in RTCP receiver reports (fraction lost per report, 0..1)',
      buckets: LOSS_BUCKETS,
      registers,
    });
    this.downlinkJitter = new Histogram({
      name: 'loopcast_downlink_jitter_seconds',
      help: 'Downlink interarrival jitter reported by clients in RTCP receiver reports',
      buckets: JITTER_BUCKETS,
      registers,
    });
    this.downlinkRtt = new Histogram({
      name: 'loopcast_downlink_rtt_seconds',
      help: 'Round trip to clients from RTCP receiver reports answering our sender reports (A - LSR - DLSR)',
      buckets: RTT_BUCKETS,
      registers,
    });
    this.downlinkReports = new Counter({ name: 'loopcast_downlink_reports_total', help: 'RTCP report blocks received about our downlinks', registers });
  }

  /** Wraps the mixer's codecs so every encode is timed. */
  timedCodecs(codecs: CodecFactory): CodecFactory {
    const histogram = this.encodeTime;
    return {
      createDecoder: () => codecs.createDecoder(),
      createEncoder: () => {
        const encoder = codecs.createEncoder();
        return {
          encode(pcm, independent) {
            const started = performance.now();
            const frame = encoder.encode(pcm, independent);
            histogram.observe((performance.now() - started) / 1000);
            return frame;
          },
          reset: () => encoder.reset(),
          close: () => encoder.close(),
        };
      },
    };
  }

  /** After every clock tick: lateness, tick cost, and once a second the uplink quality sample. */
  onTick(lateNs: number, tickSeconds: number): void {
    this.lateness.observe(lateNs / 1e9);
    this.tickTime.observe(tickSeconds);
    if (++this.ticks % (SAMPLE_TICKS * this.ticksPerFrame) === 0) this.sampleUplink();
  }

  /** Loss and jitter of each local talker since the previous sample (stats restart with a talker). */
  sampleUplink(): void {
    const seen = new Set<number>();
    for (const { ssrc, stats } of this.plane.talkerStats()) {
      if (!this.plane.isLocalTalker(ssrc)) continue;
      seen.add(ssrc);
      const expected = stats.received + stats.lost;
      const last = this.lastUplink.get(ssrc);
      const base = last && last.expected <= expected && last.lost <= stats.lost ? last : { lost: 0, expected: 0 };
      this.lastUplink.set(ssrc, { lost: stats.lost, expected });
      const dExpected = expected - base.expected;
      const dLost = stats.lost - base.lost;
      if (dExpected <= 0) continue;
      this.uplinkExpected.inc(dExpected);
      if (dLost > 0) this.uplinkLost.inc(dLost);
      this.uplinkLoss.observe(Math.min(1, dLost / dExpected));
      this.uplinkJitter.observe(stats.jitterMs / 1000);
    }
    for (const ssrc of this.lastUplink.keys()) if (!seen.has(ssrc)) this.lastUplink.delete(ssrc);
  }

  /**
   * An RTCP packet from a client: its report blocks about our downlink `ssrc`. `roundTrip` gives the
   * RTT of a block that answers one of our sender reports (undefined otherwise).
   */
  onRtcp(ssrc: number, packet: Buffer, roundTrip?: (block: ReportBlock) => number | undefined): void {
    for (const block of parseReportBlocks(packet)) {
      if (block.source !== ssrc) continue;
      this.downlinkReports.inc();
      this.downlinkLoss.observe(block.fractionLost);
      this.downlinkJitter.observe(block.jitter / SAMPLE_RATE);
      const rtt = roundTrip?.(block);
      if (rtt !== undefined) this.downlinkRtt.observe(rtt);
    }
  }
}
