// Short audible cues for what the operator must not miss: a refused or taken-away talk, a forced change, an
// outage, the connection back. Synthesised with WebAudio on the keyset's interactive context (no files),
// quiet enough to sit under loop audio. Each cue played is logged for the tests' probe.
import { audioContext } from './meter.js';

export type CueName = 'refused' | 'forced' | 'outage' | 'restored';

/** Frequencies (Hz) and length (ms) of each tone of a cue: falling = bad news, rising = good news. */
const CUES: Record<CueName, ReadonlyArray<readonly [number, number]>> = {
  refused: [[660, 90], [440, 140]],
  forced: [[880, 80], [660, 80], [440, 120]],
  outage: [[520, 180], [390, 180], [520, 180], [390, 260]],
  restored: [[440, 90], [660, 120]],
};

export interface PlayedCue {
  name: CueName;
  at: number;
}

export const playedCues: PlayedCue[] = [];

export function playCue(name: CueName): void {
  playedCues.push({ name, at: Date.now() });
  if (playedCues.length > 50) playedCues.shift();
  let ctx: AudioContext;
  try {
    ctx = audioContext();
  } catch {
    return; // no WebAudio: the visual notice stays
  }
  let t = ctx.currentTime + 0.01;
  for (const [frequency, ms] of CUES[name]) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'sine';
    osc.frequency.value = frequency;
    // Short ramps: no clicks at start and end.
    gain.gain.setValueAtTime(0, t);
    gain.gain.linearRampToValueAtTime(0.18, t + 0.01);
    gain.gain.setValueAtTime(0.18, t + ms / 1000 - 0.015);
    gain.gain.linearRampToValueAtTime(0, t + ms / 1000);
    osc.connect(gain).connect(ctx.destination);
    osc.start(t);
    osc.stop(t + ms / 1000 + 0.01);
    t += ms / 1000 + 0.03;
  }
}
