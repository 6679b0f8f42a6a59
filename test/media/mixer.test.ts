import { describe, expect, it } from 'vitest';
import { MixerEngine, volumeToDb } from '../../src/media/mixer/index.js';
import { levelAt } from '../../testkit/signal/index.js';
import { Downlinks, ToneTalker } from './tone-fixtures.js';

const SETTLE = 15; // frames skipped before measuring: playout start + codec start-up

/** Runs `ticks` ticks with the talkers sending on their loops; returns the decoded downlinks. */
function run(engine: MixerEngine, talkers: [string, ToneTalker][], ids: string[], ticks = 60): Downlinks {
  const d = new Downlinks(ids);
  for (let i = 0; i < ticks; i++) {
    for (const [loop, t] of talkers) engine.push(loop, t.next(), i * 20);
    d.record(engine.tick());
  }
  return d;
}

describe('MixerEngine', () => {
  it('mixes a 440 Hz talker on loop1 and 880 Hz on loop2 at the levels of the volume curve', () => {
    const engine = new MixerEngine();
    engine.setListener('full', { volumes: { loop1: 100, loop2: 100 } });
    engine.setListener('half', { volumes: { loop1: 100, loop2: 50 } });
    engine.setListener('quiet', { volumes: { loop1: 80, loop2: 25 } });
    const d = run(engine, [['loop1', new ToneTalker(1001, 440, -20)], ['loop2', new ToneTalker(1002, 880, -20)]], ['full', 'half', 'quiet']);
    const full = d.signal('full', SETTLE);
    const half = d.signal('half', SETTLE);
    const quiet = d.signal('quiet', SETTLE);
    expect(Math.abs(levelAt(full, 440) - -20)).toBeLessThanOrEqual(1);
    expect(Math.abs(levelAt(full, 880) - -20)).toBeLessThanOrEqual(1);
    expect(Math.abs(levelAt(half, 440) - -20)).toBeLessThanOrEqual(1);
    expect(Math.abs(levelAt(half, 880) - (-20 + volumeToDb(50)))).toBeLessThanOrEqual(1);
    expect(Math.abs(levelAt(quiet, 440) - (-20 + volumeToDb(80)))).toBeLessThanOrEqual(1);
    expect(Math.abs(levelAt(quiet, 880) - (-20 + volumeToDb(25)))).toBeLessThanOrEqual(1);
    // Lowering loop2 from 100 to 50 lowers 880 Hz by the documented 12.04 dB.
    expect(levelAt(full, 880) - levelAt(half, 880)).toBeCloseTo(-volumeToDb(50), 0);
  });

  it('applies a volume change on the fly', () => {
    const engine = new MixerEngine();
    engine.setListener('a', { volumes: { loop1: 100 } });
    const t = new ToneTalker(7, 440, -20);
    const d = new Downlinks(['a']);
    for (let i = 0; i < 80; i++) {
      if (i === 40) engine.setVolume('a', 'loop1', 50);
      engine.push('loop1', t.next(), i * 20);
      d.record(engine.tick());
    }
    const before = levelAt(d.signal('a', SETTLE).subarray(0, 20 * 960), 440);
    const after = levelAt(d.signal('a', 50), 440);
    expect(before - after).toBeGreaterThan(11);
    expect(before - after).toBeLessThan(13);
  });

  it('never mixes a listener\'s own SSRC into its downlink', () => {
    const engine = new MixerEngine();
    engine.setListener('talker1', { ssrc: 1001, volumes: { loop1: 100, loop2: 100 } });
    const d = run(engine, [['loop1', new ToneTalker(1001, 440, -20)], ['loop2', new ToneTalker(1002, 880, -20)]], ['talker1']);
    const s = d.signal('talker1', SETTLE);
    expect(levelAt(s, 440)).toBeLessThan(-60);
    expect(Math.abs(levelAt(s, 880) - -20)).toBeLessThanOrEqual(1);
  });

  it('lets listeners with the same mix share one encoder and one frame', () => {
    const engine = new MixerEngine();
    engine.setListener('a', { volumes: { loop1: 100, loop9: 30 } });
    engine.setListener('b', { volumes: { loop1: 100 } }); // loop9 is silent: same mix as a
    engine.setListener('c', { volumes: { loop1: 100 }, ssrc: 555 });
    const t = new ToneTalker(1001, 440, -20);
    let ticksWithAudio = 0;
    for (let i = 0; i < 30; i++) {
      engine.push('loop1', t.next(), i * 20);
      const tick = engine.tick();
      if (tick.outputs.length === 0) continue;
      ticksWithAudio++;
      expect(tick.outputs).toHaveLength(1);
      expect(tick.outputs[0]?.listenerIds.sort()).toEqual(['a', 'b', 'c']);
      expect(tick.outputs[0]?.talkers).toEqual([1001]);
    }
    expect(ticksWithAudio).toBeGreaterThan(25);
    expect(engine.counters.encodes).toBe(ticksWithAudio);
    expect(engine.counters.sharedHits).toBe(2 * ticksWithAudio);
    expect(engine.counters.decodes).toBe(ticksWithAudio);
    expect(engine.encoderCount.created).toBe(1);
  });

  it('encodes per listener when sharing is off', () => {
    const engine = new MixerEngine({ shareEncoders: false });
    engine.setListener('a', { volumes: { loop1: 100 } });
    engine.setListener('b', { volumes: { loop1: 100 } });
    run(engine, [['loop1', new ToneTalker(1, 440, -20)]], [], 20);
    expect(engine.counters.encodes).toBe(2 * engine.counters.decodes);
    expect(engine.counters.sharedHits).toBe(0);
  });

  it('costs no decode and no encode in silence, and emits nothing', () => {
    const engine = new MixerEngine();
    engine.setListener('a', { volumes: { loop1: 100 } });
    engine.setListener('b', { volumes: { loop2: 100 } });
    for (let i = 0; i < 50; i++) expect(engine.tick().outputs).toEqual([]);
    expect(engine.idle).toBe(true);
    // A talker on a loop nobody monitors is not decoded either.
    const t = new ToneTalker(9, 440, -20);
    for (let i = 0; i < 20; i++) {
      engine.push('loop7', t.next(), i * 20);
      expect(engine.tick().outputs).toEqual([]);
    }
    expect(engine.counters).toMatchObject({ decodes: 0, encodes: 0, conceals: 0 });
    expect(engine.counters.silentListenerTicks).toBe(2 * 70);
  });

  it('emits nothing for a listener whose loop is muted (volume 0)', () => {
    const engine = new MixerEngine();
    engine.setListener('a', { volumes: { loop1: 0 } });
    const d = run(engine, [['loop1', new ToneTalker(1, 440, -20)]], ['a'], 20);
    expect(d.frames.get('a')).toBe(0);
    expect(engine.counters.decodes).toBe(0);
  });

  it('counts a talker once per monitored loop it is heard on (gains add)', () => {
    const engine = new MixerEngine();
    engine.setListener('a', { volumes: { loop1: 100, loop2: 100 } });
    engine.setListener('b', { volumes: { loop1: 100 } });
    const t = new ToneTalker(42, 440, -20);
    const d = new Downlinks(['a', 'b']);
    for (let i = 0; i < 60; i++) {
      const p = t.next();
      engine.push('loop1', p, i * 20);
      engine.push('loop2', p, i * 20); // the same packet forwarded into a second loop
      d.record(engine.tick());
    }
    expect(engine.counters.decodes).toBeLessThanOrEqual(60); // still decoded once per tick
    expect(engine.counters.copies).toBe(60);
    expect(levelAt(d.signal('a', SETTLE), 440) - levelAt(d.signal('b', SETTLE), 440)).toBeCloseTo(6.02, 0);
  });

  it('stops mixing a talker after its spurt ends and reports levels for VAD', () => {
    const engine = new MixerEngine({ playout: { targetFrames: 1, concealLimit: 2 } });
    engine.setListener('a', { volumes: { loop1: 100 } });
    const t = new ToneTalker(5, 440, -20);
    const levels: number[] = [];
    let lastAudio = -1;
    const tails: number[] = [];
    for (let i = 0; i < 40; i++) {
      if (i < 20) engine.push('loop1', t.next(), i * 20);
      const tick = engine.tick();
      if (tick.outputs.some((o) => o.kind === 'mix')) lastAudio = i;
      if (tick.outputs.some((o) => o.kind === 'tail')) tails.push(i);
      for (const l of tick.levels) levels.push(l.dbfs);
    }
    expect(lastAudio).toBe(19 + 2); // two concealed frames, then silence
    expect(tails).toEqual([22, 23, 24, 25, 26]); // 100 ms of encoded silence, then nothing
    expect(engine.idle).toBe(true);
    // RMS of a -20 dBFS peak sine is -23 dBFS.
    expect(Math.abs((levels[10] ?? 0) - -23)).toBeLessThan(1);
  });

  it('keeps the group encoder when a shared group splits (inherit) and primes the newcomer', () => {
    const engine = new MixerEngine();
    engine.setListener('a', { volumes: { loop1: 100, loop2: 100 } });
    engine.setListener('b', { volumes: { loop1: 100 } });
    const t1 = new ToneTalker(1, 440, -20);
    const t2 = new ToneTalker(2, 880, -20);
    for (let i = 0; i < 40; i++) {
      engine.push('loop1', t1.next(), i * 20);
      if (i >= 20) engine.push('loop2', t2.next(), i * 20); // a's mix changes at ~tick 22
      engine.tick();
    }
    expect(engine.counters.primes).toBe(1);
    expect(engine.encoderCount.created).toBe(2);
  });

  it('removes listeners and forgets talkers after a timeout', () => {
    const engine = new MixerEngine({ talkerTimeoutTicks: 5 });
    engine.setListener('a', { volumes: { loop1: 100 } });
    engine.removeListener('a');
    expect(() => engine.setVolume('a', 'loop1', 10)).toThrow(/unknown listener/);
    const t = new ToneTalker(5, 440, -20);
    engine.push('loop1', t.next(), 0);
    for (let i = 0; i < 20; i++) expect(engine.tick().outputs).toEqual([]);
    expect(engine.idle).toBe(true);
    engine.close();
  });
});
