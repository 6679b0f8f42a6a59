export { PlayoutBuffer } from './playout-buffer.js';
export { PlayoutPolicy } from './playout-policy.js';
export type { PlayoutPolicyOptions } from './playout-policy.js';
export type { PlayoutOptions, PlayoutOutput, PlayoutPacket, PlayoutStats, PushResult } from './playout-buffer.js';
