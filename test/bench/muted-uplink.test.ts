import { describe, expect, it } from 'vitest';
import { mutedSchedule } from '../../testkit/muted-uplink.js';
import { countersDelta, lateTicksPercent, parseMediaCounters } from '../../bench/lib/server-metrics.js';
import { Talker } from '../../src/media/mixer/talker.js';
import { isDtxPayload } from '../../src/media/mixer/uplink-gate.js';
import { FRAME_SAMPLES, OpusFrameDecoder } from '../../src/media/opus.js';
import { rmsDbfs } from '../../testkit/signal/index.js';

describe('muted keyset uplink (Chromium with Opus DTX)', () => {
  const schedule = mutedSchedule(500);

  it('sends about two tiny packets per 400 ms: a comfort-noise frame and the first DTX packet of each run', () => {
    const steady = schedule.packets.filter((p) => p.frame >= 100);
    const seconds = (500 - 100) * 0.02;
    expect(steady.length / seconds).toBeGreaterThan(4);
    expect(steady.length / seconds).toBeLessThan(6);
    expect(schedule.period).toBeGreaterThanOrEqual(19);
    expect(schedule.period).toBeLessThanOrEqual(21);
    for (const p of steady) expect(p.payload.length).toBeLessThanOrEqual(32); // 21 bytes with libopus 1.3.1
    // Never two DTX (TOC-only) packets in a row: WebRTC sends only the first of a run.
    for (let i = 1; i < steady.length; i++) expect(isDtxPayload(steady[i]!.payload) && isDtxPayload(steady[i - 1]!.payload)).toBe(false);
    expect(steady.some((p) => !isDtxPayload(p.payload))).toBe(true);
  });

  it('comfort noise of a muted track decodes to silence far below the gate level', () => {
    const dec = new OpusFrameDecoder();
    for (const p of schedule.packets) expect(rmsDbfs(dec.decode(p.payload))).toBeLessThan(-70);
  });

  it('never opens a talk spurt at the server: the uplink gate drops every packet (RTP as a DTX sender numbers them)', () => {
    const talker = new Talker(7, () => new OpusFrameDecoder(), {});
    const results = schedule.packets.map((p, i) => talker.push('loop', { sequenceNumber: i, timestamp: p.frame * FRAME_SAMPLES, ssrc: 7, payload: p.payload }, p.frame * 20, p.frame));
    expect(new Set(results)).toEqual(new Set(['gated']));
    expect(talker.playout.idle).toBe(true);
  });
});

describe('server media counters', () => {
  it('reads counters and the clock histogram count from Prometheus text', () => {
    const text = ['# HELP x', 'loopcast_rtp_in_packets_total 12', 'loopcast_mix_tick_seconds_count 3', 'loopcast_mix_tick_seconds_bucket{le="0.001"} 2'].join('\n');
    expect(parseMediaCounters(text)).toEqual({ rtpIn: 12, rtpOut: 0, decodes: 0, encodes: 0, clockTicks: 3, latenessTicks: 0, onTimeTicks: 0 });
  });

  it('counts the ticks that ran more than 10 ms late from the lateness histogram', () => {
    const scrape = (onTime: number, all: number) =>
      parseMediaCounters(['loopcast_clock_lateness_seconds_bucket{le="0.005"} 1', `loopcast_clock_lateness_seconds_bucket{le="0.01"} ${onTime}`, 'loopcast_clock_lateness_seconds_bucket{le="0.02"} 999', `loopcast_clock_lateness_seconds_count ${all}`].join('\n'));
    const before = scrape(90, 100);
    const after = scrape(1080, 1100);
    expect(after).toMatchObject({ onTimeTicks: 1080, latenessTicks: 1100 });
    expect(lateTicksPercent(countersDelta(before, after))).toBeCloseTo(1, 5); // 10 of 1000 ticks
    expect(lateTicksPercent(countersDelta(before, before))).toBeUndefined();
  });
});
