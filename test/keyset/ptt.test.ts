// Push-to-talk controller: momentary and latch modes over several inputs; typing guard; gamepad edges.
import { describe, expect, it } from 'vitest';
import { gamepadEdge, isTypingTarget, keyLabel, PttController, talkingDiff } from '../../web/keyset/src/logic/ptt.js';

function controller(latch = false) {
  const changes: boolean[] = [];
  const ptt = new PttController((on) => changes.push(on), latch);
  return { ptt, changes };
}

describe('PttController', () => {
  it('momentary: on while any input is held, one change per transition', () => {
    const { ptt, changes } = controller();
    ptt.press('key');
    ptt.press('key'); // auto-repeat
    ptt.press('mouse');
    ptt.release('key');
    expect(ptt.isActive).toBe(true);
    ptt.release('mouse');
    expect(ptt.isActive).toBe(false);
    expect(changes).toEqual([true, false]);
  });

  it('latch: each press toggles, releases do nothing', () => {
    const { ptt, changes } = controller(true);
    ptt.press('button');
    ptt.release('button');
    expect(ptt.isActive).toBe(true);
    ptt.press('key');
    ptt.release('key');
    expect(ptt.isActive).toBe(false);
    expect(changes).toEqual([true, false]);
  });

  it('releaseAll ends momentary talk (window blur); stop ends latched talk', () => {
    const m = controller();
    m.ptt.press('touch');
    m.ptt.releaseAll();
    expect(m.ptt.isActive).toBe(false);
    const l = controller(true);
    l.ptt.press('gamepad');
    l.ptt.releaseAll();
    expect(l.ptt.isActive).toBe(true);
    l.ptt.stop();
    expect(l.ptt.isActive).toBe(false);
  });

  it('switching mode stops transmission', () => {
    const { ptt } = controller();
    ptt.press('key');
    ptt.setLatch(true);
    expect(ptt.isActive).toBe(false);
    expect(ptt.latchMode).toBe(true);
  });
});

describe('helpers', () => {
  it('treat text inputs as typing, sliders and buttons not', () => {
    expect(isTypingTarget({ tagName: 'INPUT', type: 'text' })).toBe(true);
    expect(isTypingTarget({ tagName: 'input' })).toBe(true);
    expect(isTypingTarget({ tagName: 'TEXTAREA' })).toBe(true);
    expect(isTypingTarget({ tagName: 'DIV', isContentEditable: true })).toBe(true);
    expect(isTypingTarget({ tagName: 'INPUT', type: 'range' })).toBe(false);
    expect(isTypingTarget({ tagName: 'BUTTON' })).toBe(false);
    expect(isTypingTarget(null)).toBe(false);
  });

  it('gamepad edges and key labels', () => {
    expect(gamepadEdge(false, true)).toBe('press');
    expect(gamepadEdge(true, false)).toBe('release');
    expect(gamepadEdge(true, true)).toBeUndefined();
    expect(keyLabel('KeyT')).toBe('T');
    expect(keyLabel('Digit5')).toBe('5');
    expect(keyLabel('Space')).toBe('Space');
  });

  it('talkingDiff announces new talk loops and withdraws old ones', () => {
    expect(talkingDiff(['loop1', 'loop2'], new Set(['loop2', 'loop3']))).toEqual({ start: ['loop1'], stop: ['loop3'] });
    expect(talkingDiff([], new Set(['loop1']))).toEqual({ start: [], stop: ['loop1'] });
  });
});
