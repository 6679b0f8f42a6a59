// Prometheus metrics of the media plane. Hot paths only bump plain numbers; counters are brought up
// to date when Prometheus scrapes (collect), so metrics cost nothing per packet.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { MixerCounters } from '../mixer/index.js';
import type { PlayoutStats } from '../playout/index.js';

export interface PlaneCounters {
  rtpIn: number;
  rtpOut: number;
}

export interface PlaneView {
  readonly sessionCount: number;
  readonly counters: PlaneCounters;
  readonly engineCounters: MixerCounters;
  talkerStats(): Array<{ stats: PlayoutStats }>;
}

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

  constructor(registry: Registry, plane: PlaneView) {
    new Gauge({ name: 'loopcast_media_sessions', help: 'Media sessions (WebRTC clients)', registers: [registry], collect() { this.set(plane.sessionCount); } });
    followingCounter(registry, 'loopcast_rtp_in_packets_total', 'Uplink RTP packets from clients', () => plane.counters.rtpIn);
    followingCounter(registry, 'loopcast_rtp_out_packets_total', 'Downlink RTP packets to clients', () => plane.counters.rtpOut);
    followingCounter(registry, 'loopcast_mixer_decodes_total', 'Opus decodes (one per talker per frame)', () => plane.engineCounters.decodes);
    followingCounter(registry, 'loopcast_mixer_conceals_total', 'Frames concealed (lost or late uplink packets)', () => plane.engineCounters.conceals);
    followingCounter(registry, 'loopcast_mixer_encodes_total', 'Opus encodes (one per distinct mix per frame)', () => plane.engineCounters.encodes);
    followingCounter(registry, 'loopcast_mixer_shared_encoder_hits_total', 'Listeners served by an encode made for another listener', () => plane.engineCounters.sharedHits);
    new Gauge({
      name: 'loopcast_uplink_loss_ratio',
      help: 'Lost / expected uplink packets over the current talkers',
      registers: [registry],
      collect() {
        let lost = 0;
        let expected = 0;
        for (const { stats } of plane.talkerStats()) {
          lost += stats.lost;
          expected += stats.received + stats.lost;
        }
        this.set(expected > 0 ? lost / expected : 0);
      },
    });
    new Gauge({
      name: 'loopcast_uplink_jitter_ms',
      help: 'Highest RFC 3550 interarrival jitter among the current talkers',
      registers: [registry],
      collect() {
        this.set(Math.max(0, ...plane.talkerStats().map((t) => t.stats.jitterMs)));
      },
    });
    this.lateness = new Histogram({
      name: 'loopcast_clock_lateness_seconds',
      help: 'How late the 20 ms mixing tick ran after its deadline',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05],
      registers: [registry],
    });
  }
}
