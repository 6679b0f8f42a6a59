// Builds small bus RTP packets (docs/openvocs-protocol.md §9 profile) for loop bus and edge tests.
import { serializeRtp } from '../../src/media/rtp.js';
import { seqAdd, tsAdd } from '../../src/media/rtp/sequence.js';

export function busPacket(ssrc: number, seq: number, payload: Buffer = Buffer.from([0xf8, 0xff, 0xfe])): Buffer {
  return serializeRtp({ payloadType: 100, sequenceNumber: seqAdd(0, seq), timestamp: tsAdd(0, seq * 960), ssrc, marker: false, payload });
}
