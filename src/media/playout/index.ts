export { PlayoutBuffer } from './playout-buffer.js';
export type { PlayoutOptions, PlayoutOutput, PlayoutPacket, PlayoutStats, PushResult } from './playout-buffer.js';
export { ReceptionStats } from './reception-stats.js';
