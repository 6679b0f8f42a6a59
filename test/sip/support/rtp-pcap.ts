// Writes a pcap file of RTP packets (Ethernet/IPv4/UDP) for sipp's play_pcap_audio.
import { writeFile } from 'node:fs/promises';
import { serializeRtp } from '../../../src/media/rtp.js';

export interface PcapRtp {
  payloadType: number;
  payload: Buffer;
  timestamp: number;
  marker?: boolean;
}

/** One G.711 stream, one packet per `frameMs`. */
export function writeRtpPcap(path: string, payloads: Buffer[], payloadType: number, frameMs = 20): Promise<void> {
  return writeRtpPcapPackets(path, payloads.map((payload, i) => ({ payloadType, payload, timestamp: i * 8 * frameMs, marker: i === 0 })), frameMs);
}

/** Any RTP packets (e.g. G.711 mixed with RFC 4733 events), sent `frameMs` apart. */
export async function writeRtpPcapPackets(path: string, packets: PcapRtp[], frameMs = 20): Promise<void> {
  const parts: Buffer[] = [];
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0);
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(65535, 16);
  global.writeUInt32LE(1, 20); // Ethernet
  parts.push(global);
  packets.forEach((p, i) => {
    const rtp = serializeRtp({ payloadType: p.payloadType, sequenceNumber: i + 1, timestamp: p.timestamp, ssrc: 0x1234, marker: p.marker ?? false, payload: p.payload });
    const udpLength = 8 + rtp.length;
    const ipLength = 20 + udpLength;
    const frame = Buffer.alloc(14 + ipLength);
    frame.writeUInt16BE(0x0800, 12);
    frame[14] = 0x45;
    frame.writeUInt16BE(ipLength, 16);
    frame[22] = 64;
    frame[23] = 17; // UDP
    Buffer.from([127, 0, 0, 1]).copy(frame, 26);
    Buffer.from([127, 0, 0, 1]).copy(frame, 30);
    frame.writeUInt16BE(40000, 34);
    frame.writeUInt16BE(40002, 36);
    frame.writeUInt16BE(udpLength, 38);
    rtp.copy(frame, 42);
    const record = Buffer.alloc(16);
    const us = i * frameMs * 1000;
    record.writeUInt32LE(Math.floor(us / 1e6), 0);
    record.writeUInt32LE(us % 1e6, 4);
    record.writeUInt32LE(frame.length, 8);
    record.writeUInt32LE(frame.length, 12);
    parts.push(record, frame);
  });
  await writeFile(path, Buffer.concat(parts));
}
