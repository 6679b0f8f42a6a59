export { DownlinkPacketizer, mediaTimestamp } from './packetizer.js';
export type { EncodedFrame, PacketizerOptions } from './packetizer.js';
export { ntpFromUnixMs, ntpMiddle, SenderReports } from './sender-reports.js';
export type { SenderInfo, SenderReportOptions } from './sender-reports.js';
