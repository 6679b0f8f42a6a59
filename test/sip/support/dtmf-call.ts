// What a phone sends in the DTMF and PIN tests, as RTP packets for a pcap that sipp plays: G.711 speech
// frames (20 ms) and key presses as RFC 4733 telephone-events (payload type 101, three packets a key).
import type { PcapRtp } from './rtp-pcap.js';

/** RFC 4733 payload: event, E bit on the last packet, volume 10, duration. */
export function dtmfEvent(code: number, end: boolean, duration: number): Buffer {
  return Buffer.from([code, (end ? 0x80 : 0) | 10, duration >> 8, duration & 0xff]);
}

export class DtmfCall {
  readonly packets: PcapRtp[] = [];
  private ts = 0;

  /** `audio`: µ-law frames of 160 samples, played in turn (payload type 0). */
  constructor(private readonly audio: Buffer[]) {}

  speak(count: number): void {
    for (let i = 0; i < count; i++, this.ts += 160) this.packets.push({ payloadType: 0, payload: this.audio[this.packets.length % this.audio.length] as Buffer, timestamp: this.ts });
  }

  /** One key press of 60 ms (three packets of one event, the last with the E bit). */
  key(code: number): void {
    for (let i = 0; i < 3; i++) this.packets.push({ payloadType: 101, payload: dtmfEvent(code, i === 2, 160 * (i + 1)), timestamp: this.ts, marker: i === 0 });
    this.ts += 480;
  }
}
