// The media plane's Prometheus counters of the self-started server (GET /metrics on its HTTPS port),
// read before and after a measurement window: whether the mixing clock (a tick per 5 ms phase, four per 20 ms frame) ran while nobody talked, and how
// many uplink packets came in and downlink packets went out. Best effort: another backend (or one with a
// metrics token or a separate metrics port) has none, and the result then simply leaves them out.
import { request } from 'node:https';

const COUNTERS = {
  rtpIn: 'loopcast_rtp_in_packets_total', // forwarded into a loop (a talker's), not every packet received
  rtpOut: 'loopcast_rtp_out_packets_total',
  decodes: 'loopcast_mixer_decodes_total',
  encodes: 'loopcast_mixer_encodes_total',
  clockTicks: 'loopcast_mix_tick_seconds_count',
  /** Ticks whose lateness was measured, and those of them at most LATE_TICK_MS late. */
  latenessTicks: 'loopcast_clock_lateness_seconds_count',
  onTimeTicks: 'loopcast_clock_lateness_seconds_bucket{le="0.01"}',
} as const;

/** A tick later than this after its deadline delays the frames it carries by half a frame or more. */
export const LATE_TICK_MS = 10;

export type MediaCounters = Record<keyof typeof COUNTERS, number>;

const escape = (name: string): string => name.replace(/[{}.]/g, (c) => `\\${c}`);

/** Parses the counters out of Prometheus text (missing ones read 0: prom-client omits untouched series). */
export function parseMediaCounters(text: string): MediaCounters {
  const out = {} as MediaCounters;
  for (const [key, name] of Object.entries(COUNTERS) as Array<[keyof MediaCounters, string]>) {
    const labels = name.includes('{') ? '' : '(?:\\{[^}]*\\})?';
    const line = new RegExp(`^${escape(name)}${labels} ([0-9.eE+-]+)$`, 'm').exec(text);
    out[key] = line ? Number(line[1]) : 0;
  }
  return out;
}

/** Share of the window's mixing ticks that ran more than LATE_TICK_MS after their deadline (%). */
export function lateTicksPercent(delta: MediaCounters): number | undefined {
  if (delta.latenessTicks <= 0) return undefined;
  return (100 * (delta.latenessTicks - delta.onTimeTicks)) / delta.latenessTicks;
}

/** Scrapes `wss://host:port/api`'s /metrics (self-signed certificate accepted: loopback bench server). */
export function scrapeMediaCounters(apiUrl: string, timeoutMs = 3000): Promise<MediaCounters | undefined> {
  const url = new URL('/metrics', apiUrl.replace(/^wss:/, 'https:'));
  return new Promise((resolve) => {
    const req = request(url, { rejectUnauthorized: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(res.statusCode === 200 ? parseMediaCounters(body) : undefined));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/** Counter increases between two scrapes. */
export function countersDelta(before: MediaCounters, after: MediaCounters): MediaCounters {
  const out = {} as MediaCounters;
  for (const key of Object.keys(COUNTERS) as Array<keyof MediaCounters>) out[key] = after[key] - before[key];
  return out;
}
