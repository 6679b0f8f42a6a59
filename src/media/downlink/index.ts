export { DownlinkPacketizer, mediaTimestamp } from './packetizer.js';
export type { PacketizerOptions } from './packetizer.js';
