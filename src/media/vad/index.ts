export { LoopVad } from './loop-vad.js';
export type { VadLevel, VadOptions, VadTransition } from './loop-vad.js';
