// The last stage of the media chain (receive → playout → decode → mix → encode → packetize): the one
// place that owns a listener's downlink RTP sequence numbers, timestamps and marker bits. Sans-I/O:
// the edge only serializes and sends what comes out.
//
// - Timestamps come from the clock deadline of the tick that produced the frame, exactly (48 kHz
//   samples of the monotonic clock). Consecutive ticks differ by exactly 960; across a pause the
//   jump equals the real pause to the sample, whatever the clock's phase when it restarted, so a
//   receiver measures no jitter at talk-spurt boundaries.
// - Sequence numbers advance by one per packet sent, never per tick: a silent pause looks to the
//   receiver exactly like Opus DTX (contiguous sequence, timestamp jump), and a real gap means loss.
// - The marker bit is set on the first packet of a talk spurt (RFC 3551 §4.1): the first packet
//   ever, and every packet whose timestamp does not follow the previous one by one frame.
// Initial sequence number and timestamp offset are random per stream (RFC 3550 §5.1).
import { randomInt } from 'node:crypto';
import type { Processor } from '../chain/index.js';
import { FRAME_SAMPLES, SAMPLE_RATE } from '../opus.js';
import type { RtpPacket } from '../rtp.js';
import { SEQ_MOD, seqAdd, TS_MOD, tsAdd, tsForward } from '../rtp/sequence.js';

export interface PacketizerOptions {
  ssrc: number;
  payloadType?: number;
  /** First sequence number (default random). */
  initialSequence?: number;
  /** Added to every media timestamp (default random). */
  timestampOffset?: number;
}

/** The packetizer's input: one encoded 20 ms frame and the media time of the tick that made it. */
export interface EncodedFrame {
  payload: Buffer;
  /** See mediaTimestamp. */
  mediaTs: number;
}

const NS_PER_S = 1_000_000_000n;

/** RTP media time (48 kHz, modulo 2^32) of a clock deadline on the monotonic ns axis, rounded. */
export function mediaTimestamp(deadlineNs: bigint): number {
  const samples = (deadlineNs * BigInt(SAMPLE_RATE) + NS_PER_S / 2n) / NS_PER_S;
  return Number(samples & 0xffffffffn);
}

export class DownlinkPacketizer implements Processor<EncodedFrame, RtpPacket> {
  readonly ssrc: number;
  private readonly payloadType: number;
  private readonly offset: number;
  private nextSeq: number;
  private lastTs = 0;
  private sent = false;
  private packets = 0;
  private octets = 0;
  private readonly out: RtpPacket[] = [];

  constructor(opts: PacketizerOptions) {
    this.ssrc = opts.ssrc >>> 0;
    this.payloadType = opts.payloadType ?? 100;
    this.nextSeq = seqAdd(opts.initialSequence ?? randomInt(SEQ_MOD), 0);
    this.offset = tsAdd(opts.timestampOffset ?? randomInt(TS_MOD), 0);
  }

  /** The chain stage: exactly one packet per frame (the array is reused: read it before the next call). */
  processInput(frame: EncodedFrame): readonly RtpPacket[] {
    this.out[0] = this.packetize(frame.payload, frame.mediaTs);
    return this.out;
  }

  /** One encoded 20 ms frame of the tick whose media time is `mediaTs` (see mediaTimestamp). */
  packetize(payload: Buffer, mediaTs: number): RtpPacket {
    const timestamp = tsAdd(mediaTs, this.offset);
    const marker = !this.sent || tsForward(this.lastTs, timestamp) !== FRAME_SAMPLES;
    const sequenceNumber = this.nextSeq;
    this.nextSeq = seqAdd(this.nextSeq, 1);
    this.lastTs = timestamp;
    this.sent = true;
    this.packets = (this.packets + 1) >>> 0;
    this.octets = (this.octets + payload.length) >>> 0;
    return { payloadType: this.payloadType, sequenceNumber, timestamp, ssrc: this.ssrc, marker, payload };
  }

  /** What an RTCP sender report says at monotonic time `nowNs`: the RTP timestamp of that instant and the counts. */
  senderInfo(nowNs: bigint): { rtpTimestamp: number; packets: number; octets: number } {
    return { rtpTimestamp: tsAdd(mediaTimestamp(nowNs), this.offset), packets: this.packets, octets: this.octets };
  }
}
