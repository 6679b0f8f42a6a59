// The media of one call: an RTP socket towards the phone, a handle on the loop, and the two
// transcoding directions, driven by the gateway's shared 20 ms clock.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { TickClock } from '../../media/clock.js';
import type { LoopHandle } from '../../media/loopbus/index.js';
import { FRAME_TS } from '../../media/opus.js';
import { parseRtp, serializeRtp } from '../../media/rtp.js';
import { G711_PAYLOAD_TYPE } from './g711.js';
import type { AudioOffer } from './sdp.js';
import { LoopDownlink, TELEPHONE_FRAME, TelephoneUplink } from './transcode.js';

/** Loop bus payload type (docs/openvocs-protocol.md §9). */
const LOOP_PT = 100;

export interface CallMediaOptions {
  bindAddress: string;
  remote: AudioOffer;
  handle: LoopHandle;
  clock: TickClock;
  /** This call's SSRC on the loop (≤ 66000: reserved for gateways). */
  loopSsrc: number;
  onTalking?: (talking: boolean) => void;
}

export class CallMedia {
  /** Time of the last RTP packet from the phone (for the no-media timeout). */
  lastRtpAt = Date.now();
  packetsIn = 0;
  packetsOut = 0;
  private readonly uplink: TelephoneUplink;
  private readonly downlink: LoopDownlink;
  private readonly phoneSsrc = (Math.random() * 0xffffffff) >>> 0;
  private phoneSeq = (Math.random() * 0xffff) | 0;
  private phoneTs = (Math.random() * 0xffffffff) >>> 0;
  private loopSeq = (Math.random() * 0xffff) | 0;
  private loopTs = (Math.random() * 0xffffffff) >>> 0;
  private wasTalking = false;
  private unsubscribe: (() => void) | undefined;
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
    private readonly options: CallMediaOptions,
  ) {
    this.uplink = new TelephoneUplink(options.remote.law);
    this.downlink = new LoopDownlink(options.remote.law);
    socket.on('message', (buf, rinfo) => this.fromPhone(buf, rinfo));
    options.handle.on('packet', (_buf, rtp) => {
      if (rtp.payloadType === LOOP_PT) this.downlink.receive(rtp.ssrc, rtp.payload);
    });
    this.unsubscribe = options.clock.subscribe(() => this.toPhone());
  }

  static async open(options: CallMediaOptions): Promise<CallMedia> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, options.bindAddress, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    // A send error (e.g. ICMP unreachable from a vanished phone) must not crash the process.
    socket.on('error', () => undefined);
    return new CallMedia(socket, socket.address().port, options);
  }

  private fromPhone(buf: Buffer, rinfo: RemoteInfo): void {
    // Only the address the phone announced may feed the loop.
    if (rinfo.address !== this.options.remote.address) return;
    const rtp = parseRtp(buf);
    if (!rtp || rtp.payloadType !== G711_PAYLOAD_TYPE[this.options.remote.law]) return;
    this.lastRtpAt = Date.now();
    this.packetsIn++;
    const opus = this.uplink.push(rtp.payload);
    this.loopTs = (this.loopTs + FRAME_TS) >>> 0;
    const talking = opus !== undefined;
    if (talking !== this.wasTalking) {
      this.wasTalking = talking;
      this.options.onTalking?.(talking);
    }
    if (!opus) return;
    this.loopSeq = (this.loopSeq + 1) & 0xffff;
    const marker = this.uplink.talking && this.packetsIn === 1;
    this.options.handle.send(serializeRtp({ payloadType: LOOP_PT, sequenceNumber: this.loopSeq, timestamp: this.loopTs, ssrc: this.options.loopSsrc, marker, payload: opus }));
  }

  private toPhone(): void {
    if (this.closed) return;
    const payload = this.downlink.tick();
    this.phoneSeq = (this.phoneSeq + 1) & 0xffff;
    this.phoneTs = (this.phoneTs + TELEPHONE_FRAME) >>> 0;
    const packet = serializeRtp({ payloadType: G711_PAYLOAD_TYPE[this.options.remote.law], sequenceNumber: this.phoneSeq, timestamp: this.phoneTs, ssrc: this.phoneSsrc, marker: false, payload });
    this.socket.send(packet, this.options.remote.port, this.options.remote.address);
    this.packetsOut++;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.wasTalking) this.options.onTalking?.(false);
    this.options.handle.leave();
    this.downlink.close();
    this.socket.close();
  }
}
