// Test signals: generation (tone), spectrum (levelAt, dominantFrequency) and the level measures the
// server itself uses (re-exported, so tests and the load tool measure exactly as the server does).
export { tone, frames, concat, dbToGain, gainToDb, FULL_SCALE } from './tone.js';
export type { ToneOptions } from './tone.js';
export { levelAt, fft, dominantFrequency } from './spectrum.js';
export { rms, rmsDbfs, peakDbfs, SILENCE_DBFS } from '../../src/media/audio/level.js';
