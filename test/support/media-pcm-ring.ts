// Moved to bench/lib (the load tool uses it too); re-exported so tests keep their imports.
export { PcmRing } from '../../bench/lib/pcm-ring.js';
export type { ReceivedFrame } from '../../bench/lib/pcm-ring.js';
