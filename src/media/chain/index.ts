export { NONE, pipe } from './processor.js';
export type { Processor } from './processor.js';
