// Talk-spurt edges (issue 12): the uplink gate keeps DTX / comfort noise / encoded silence from opening
// or extending a spurt; a listener whose mix goes silent gets 100 ms of encoded silence (shared by
// those who went silent together), then nothing; the packetizer alone owns seq/ts/marker.
import { describe, expect, it } from 'vitest';
import { MixerEngine, isDtxPayload } from '../../src/media/mixer/index.js';
import { DownlinkPacketizer, mediaTimestamp } from '../../src/media/downlink/index.js';
import { FRAME_SAMPLES, OpusFrameEncoder } from '../../src/media/opus.js';
import { tsForward } from '../../src/media/rtp/sequence.js';
import { ToneTalker } from './tone-fixtures.js';

/** A muted browser track: Opus-encoded digital silence, as a browser sends it while PTT is up. */
class SilentTalker {
  private readonly enc = new OpusFrameEncoder();
  private n = 0;
  constructor(readonly ssrc: number) {}
  next() {
    const pkt = { sequenceNumber: this.n, timestamp: this.n * FRAME_SAMPLES, ssrc: this.ssrc, payload: this.enc.encode(new Int16Array(FRAME_SAMPLES)) };
    this.n++;
    return pkt;
  }
}

describe('uplink gate', () => {
  it('treats Opus packets of at most 2 bytes as DTX', () => {
    expect(isDtxPayload(Buffer.from([0x78]))).toBe(true);
    expect(isDtxPayload(Buffer.from([0x78, 0x00]))).toBe(true);
    expect(isDtxPayload(Buffer.from([0x78, 0x01, 0x02]))).toBe(false);
  });

  it('lets neither DTX packets nor encoded silence start a spurt: the engine stays idle', () => {
    const engine = new MixerEngine({ alwaysDecode: true });
    engine.setListener('bob', { volumes: { loop1: 100 } });
    const muted = new SilentTalker(7);
    for (let i = 0; i < 50; i++) {
      // Comfort noise every 400 ms (as a muted track with DTX), DTX stubs in between.
      const pkt = muted.next();
      const r = engine.push('loop1', i % 20 === 0 ? pkt : { ...pkt, payload: Buffer.from([0x78]) }, i * 20);
      expect(r).toBe('gated');
      expect(engine.idle).toBe(true);
    }
    expect(engine.counters.gated).toBe(50);
    expect(engine.startsInMs(1000)).toBeUndefined();
  });

  it('opens on a real frame, decodes that frame once, and closes after 100 ms of encoded silence', () => {
    const engine = new MixerEngine({ alwaysDecode: true, tailFrames: 0 });
    engine.setListener('bob', { volumes: { loop1: 100 } });
    const voice = new ToneTalker(9, 440, -20);
    const silence = new OpusFrameEncoder({ bitrate: 64000 });
    const heard: number[] = [];
    for (let i = 0; i < 40; i++) {
      const pkt = voice.next();
      // Talks for 10 frames, then the track is muted: encoded silence keeps coming.
      const sent = i < 10 ? pkt : { ...pkt, payload: silence.encode(new Int16Array(FRAME_SAMPLES)) };
      engine.push('loop1', sent, i * 20);
      if (engine.tick(i * 20 + 5).outputs.length > 0) heard.push(i);
    }
    expect(heard[0]).toBe(0);
    expect(engine.counters.decodes).toBeLessThan(40); // the opening frame was not decoded twice
    // The spurt ends within a few frames after the voice (decoder fade + 5 quiet frames), not at 40.
    expect(heard.at(-1)).toBeLessThanOrEqual(10 + 8);
    expect(engine.counters.gated).toBeGreaterThan(15);
  });
});

describe('silence tail', () => {
  it('sends 5 frames of encoded silence, shared by listeners who go silent in the same tick, then stops', () => {
    const engine = new MixerEngine();
    for (const id of ['a', 'b', 'c']) engine.setListener(id, { volumes: { loop1: 100 } });
    const t = new ToneTalker(3, 440, -20);
    const log: Array<{ tick: number; kind: string; ids: string[] }> = [];
    for (let i = 0; i < 40; i++) {
      if (i === 15) {
        engine.setVolume('a', 'loop1', undefined); // leaves the loop
        engine.setVolume('b', 'loop1', 0); // mutes it
      }
      engine.push('loop1', t.next(), i * 20);
      for (const o of engine.tick().outputs) log.push({ tick: i, kind: o.kind, ids: o.listenerIds });
    }
    const tails = log.filter((o) => o.kind === 'tail');
    expect(tails.map((o) => o.tick)).toEqual([15, 16, 17, 18, 19]);
    for (const o of tails) expect(o.ids.sort()).toEqual(['a', 'b']); // one encode for both
    expect(log.filter((o) => o.tick >= 20 && (o.ids.includes('a') || o.ids.includes('b')))).toEqual([]);
    expect(log.filter((o) => o.ids.includes('c')).length).toBe(40); // c still hears the talker
    expect(engine.counters.tailFrames).toBe(5);
  });

  it('stops the tail when the listener hears a talker again', () => {
    const engine = new MixerEngine();
    engine.setListener('a', { volumes: { loop1: 100 } });
    const t = new ToneTalker(3, 440, -20);
    const kinds: string[] = [];
    for (let i = 0; i < 20; i++) {
      if (i === 5) engine.setVolume('a', 'loop1', 0);
      if (i === 7) engine.setVolume('a', 'loop1', 100);
      engine.push('loop1', t.next(), i * 20);
      kinds.push(engine.tick().outputs.map((o) => o.kind).join() || '-');
    }
    expect(kinds.slice(4, 9)).toEqual(['mix', 'tail', 'tail', 'mix', 'mix']);
  });
});

describe('DownlinkPacketizer', () => {
  it('numbers packets contiguously, stamps exact clock time, and marks the first packet of each spurt', () => {
    const p = new DownlinkPacketizer({ ssrc: 5, initialSequence: 65534, timestampOffset: 0xffffffff - 959 });
    const start = 1_234_567_891_234n; // an arbitrary clock phase
    const deadline = (k: number) => start + BigInt(k) * 20_000_000n;
    const out = [0, 1, 2, 60, 61].map((k) => p.packetize(Buffer.from([k]), mediaTimestamp(deadline(k))));
    expect(out.map((x) => x.sequenceNumber)).toEqual([65534, 65535, 0, 1, 2]);
    expect(out.map((x) => x.marker)).toEqual([true, false, false, true, false]);
    const delta = (i: number) => tsForward(out[i - 1]!.timestamp, out[i]!.timestamp);
    expect([delta(1), delta(2), delta(3), delta(4)]).toEqual([960, 960, 58 * 960, 960]);
  });

  it('keeps the timestamp gap of a pause equal to the real pause when the clock restarts at another phase', () => {
    const p = new DownlinkPacketizer({ ssrc: 5, timestampOffset: 0 });
    const a = p.packetize(Buffer.from([1]), mediaTimestamp(1_000_000_000n));
    // The clock stopped and restarted 1.2345 s later, not on the old 20 ms grid.
    const b = p.packetize(Buffer.from([2]), mediaTimestamp(2_234_500_000n));
    expect(tsForward(a.timestamp, b.timestamp)).toBe(Math.round(1.2345 * 48000));
    expect(b.marker).toBe(true);
  });

  it('wraps the media timestamp modulo 2^32', () => {
    const ns = (2n ** 32n * 1_000_000_000n) / 48_000n + 20_000_000n; // just past one wrap
    expect(mediaTimestamp(ns)).toBe(960);
  });
});
