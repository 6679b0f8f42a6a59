import { describe, expect, it } from 'vitest';
import { LoopVad, type VadLevel, type VadTransition } from '../../src/media/vad/index.js';
import { MixerEngine } from '../../src/media/mixer/index.js';
import { ToneTalker } from './tone-fixtures.js';

const lvl = (ssrc: number, dbfs: number, ...loops: string[]): VadLevel => ({ ssrc, loops, dbfs });

/** Feeds one level list per tick; returns [tick, transition] pairs. */
function feed(vad: LoopVad, ticks: VadLevel[][]): [number, VadTransition][] {
  const out: [number, VadTransition][] = [];
  ticks.forEach((levels, i) => {
    for (const t of vad.process(levels)) out.push([i, t]);
  });
  return out;
}

describe('LoopVad', () => {
  it('switches on after one loud frame and off after 500 ms of quiet', () => {
    const vad = new LoopVad({ thresholdDbfs: -40 });
    const ticks: VadLevel[][] = [
      [lvl(1, -60, 'l1')],
      ...Array.from({ length: 10 }, () => [lvl(1, -25, 'l1')]),
      ...Array.from({ length: 40 }, () => [lvl(1, -60, 'l1')]),
    ];
    expect(feed(vad, ticks)).toEqual([
      [1, { loop: 'l1', on: true, talkers: [1] }],
      [10 + 25, { loop: 'l1', on: false, talkers: [] }],
    ]);
  });

  it('bridges short pauses with the hangover and treats missing talkers as quiet', () => {
    const vad = new LoopVad();
    const ticks: VadLevel[][] = [
      [lvl(1, -20, 'l1')],
      ...Array.from({ length: 20 }, () => []), // 400 ms pause: still on
      [lvl(1, -20, 'l1')],
      ...Array.from({ length: 30 }, () => []),
    ];
    expect(feed(vad, ticks)).toEqual([
      [0, { loop: 'l1', on: true, talkers: [1] }],
      [21 + 25, { loop: 'l1', on: false, talkers: [] }],
    ]);
    expect(vad.activeLoops()).toEqual([]);
  });

  it('requires onFrames consecutive frames when configured', () => {
    const vad = new LoopVad({ onFrames: 3 });
    const tr = feed(vad, [[lvl(1, -20, 'a')], [lvl(1, -50, 'a')], [lvl(1, -20, 'a')], [lvl(1, -20, 'a')], [lvl(1, -20, 'a')]]);
    expect(tr).toEqual([[4, { loop: 'a', on: true, talkers: [1] }]]);
  });

  it('tracks talkers per loop and reports talker changes while on', () => {
    const vad = new LoopVad({ hangoverMs: 100 });
    const tr = feed(vad, [
      [lvl(2, -20, 'a', 'b')],
      [lvl(2, -20, 'a', 'b'), lvl(1, -20, 'a')],
      [lvl(2, -20, 'a', 'b'), lvl(1, -20, 'a')],
      ...Array.from({ length: 6 }, () => [lvl(1, -20, 'a')]),
    ]);
    expect(tr).toEqual([
      [0, { loop: 'a', on: true, talkers: [2] }],
      [0, { loop: 'b', on: true, talkers: [2] }],
      [1, { loop: 'a', on: true, talkers: [1, 2] }],
      [7, { loop: 'a', on: true, talkers: [1] }],
      [7, { loop: 'b', on: false, talkers: [] }],
    ]);
    expect(vad.activeLoops()).toEqual([{ loop: 'a', on: true, talkers: [1] }]);
  });

  it('works on the levels the mixer reports', () => {
    const engine = new MixerEngine({ alwaysDecode: true, playout: { targetFrames: 1, concealLimit: 1 } });
    const vad = new LoopVad();
    const quiet = new ToneTalker(9, 440, -70);
    const loud = new ToneTalker(8, 440, -20);
    const events: [number, VadTransition][] = [];
    for (let i = 0; i < 80; i++) {
      if (i < 10) engine.push('q', quiet.next(), i * 20);
      if (i >= 10 && i < 30) engine.push('l', loud.next(), i * 20);
      for (const t of vad.process(engine.tick().levels)) events.push([i, t]);
    }
    expect(events.map(([, t]) => t)).toEqual([
      { loop: 'l', on: true, talkers: [8] },
      { loop: 'l', on: false, talkers: [] },
    ]);
    const [onAt, offAt] = events.map(([i]) => i) as [number, number];
    expect(onAt).toBe(10); // first tick the loud talker plays (target 1)
    expect(offAt - onAt).toBeGreaterThanOrEqual(20 + 25 - 2);
  });
});
