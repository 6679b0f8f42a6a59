export { tone, frames, concat, dbToGain, gainToDb, FULL_SCALE } from './tone.js';
export type { ToneOptions } from './tone.js';
export { rms, rmsDbfs, peakDbfs, SILENCE_DBFS } from './level.js';
export { levelAt, fft, dominantFrequency } from './spectrum.js';
