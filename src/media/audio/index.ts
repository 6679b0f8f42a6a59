export { rms, rmsDbfs, peakDbfs, SILENCE_DBFS } from './level.js';
