// The media of one call: an RTP socket towards the phone and a seat on the loop's bridge.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { FRAME_TS } from '../../media/opus.js';
import { parseRtp, serializeRtp } from '../../media/rtp.js';
import { seqAdd, tsAdd } from '../../media/rtp/sequence.js';
import { DtmfTalkKeys } from './dtmf.js';
import { encodeG711, G711_PAYLOAD_TYPE } from './g711.js';
import type { BridgeMember, LoopBridge } from './loop-bridge.js';
import type { AudioOffer } from './sdp.js';
import { TELEPHONE_FRAME, TelephoneUplink } from './transcode.js';

export interface CallMediaOptions {
  bindAddress: string;
  /** The phone's media address and law; for outgoing calls it comes later, with the answer (connect). */
  remote?: AudioOffer;
  bridge: LoopBridge;
  /** False for listen-only callers (the role may only monitor the loop). */
  mayTalk: boolean;
  /** This call's SSRC on the loop (≤ 66000: reserved for gateways). */
  loopSsrc: number;
  onTalking?: (talking: boolean) => void;
  /** dtmf: `*` talks, `#` stops (needs telephone-event in the SDP); voice (default): voice-operated. */
  talkMode?: 'voice' | 'dtmf';
  /**
   * Held off the loop until unlock() (a caller still typing its PIN): neither heard nor hearing; its
   * RFC 4733 events go to onDtmf instead of the talk keys.
   */
  locked?: boolean;
  onDtmf?: (timestamp: number, payload: Buffer) => void;
}

export class CallMedia implements BridgeMember {
  /** Time of the last RTP packet from the phone (for the no-media timeout). */
  lastRtpAt = Date.now();
  packetsIn = 0;
  packetsOut = 0;
  private uplink: TelephoneUplink | undefined;
  private readonly keys = new DtmfTalkKeys();
  private remote: AudioOffer | undefined;
  private readonly phoneSsrc = (Math.random() * 0xffffffff) >>> 0;
  private phoneSeq = (Math.random() * 0xffff) | 0;
  private phoneTs = (Math.random() * 0xffffffff) >>> 0;
  private loopSeq = (Math.random() * 0xffff) | 0;
  private loopTs = (Math.random() * 0xffffffff) >>> 0;
  private wasTalking = false;
  /** False for listen-only callers (the role may only monitor the loop); follows rights changes. */
  mayTalk: boolean;
  private closed = false;
  private locked: boolean;

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
    private readonly options: CallMediaOptions,
  ) {
    this.mayTalk = options.mayTalk;
    this.locked = options.locked === true;
    socket.on('message', (buf, rinfo) => this.fromPhone(buf, rinfo));
    if (options.remote) this.connect(options.remote);
  }

  /** The phone's address and law are known: audio flows both ways from now on. */
  connect(remote: AudioOffer): void {
    if (this.closed || this.remote) return;
    this.remote = remote;
    this.uplink = new TelephoneUplink(remote.law);
    if (this.options.talkMode === 'dtmf') this.uplink.keyed = false;
    if (!this.locked) this.options.bridge.add(this);
  }

  /** The caller proved itself: it joins the loop now. */
  unlock(): void {
    if (this.closed || !this.locked) return;
    this.locked = false;
    if (this.remote) this.options.bridge.add(this);
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
    const { remote, uplink } = this;
    if (this.closed || !remote || !uplink || rinfo.address !== remote.address) return;
    const rtp = parseRtp(buf);
    if (!rtp) return;
    if (this.locked) {
      // Keypresses go to the PIN check; audio counts as life but reaches nobody.
      this.lastRtpAt = Date.now();
      if (rtp.payloadType === remote.dtmfPayloadType) this.options.onDtmf?.(rtp.timestamp, rtp.payload);
      return;
    }
    if (rtp.payloadType === remote.dtmfPayloadType && uplink.keyed !== undefined && this.mayTalk) {
      const talk = this.keys.push(rtp.timestamp, rtp.payload);
      if (talk !== undefined) uplink.keyed = talk;
      return;
    }
    if (rtp.payloadType !== G711_PAYLOAD_TYPE[remote.law]) return;
    this.lastRtpAt = Date.now();
    this.packetsIn++;
    if (!this.mayTalk) {
      this.stopTalking();
      return;
    }
    const frame = uplink.push(rtp.payload);
    this.loopTs = tsAdd(this.loopTs, FRAME_TS);
    const talking = frame !== undefined;
    const started = talking && !this.wasTalking;
    if (talking !== this.wasTalking) {
      this.wasTalking = talking;
      this.options.onTalking?.(talking);
    }
    if (!frame) return;
    this.loopSeq = seqAdd(this.loopSeq, 1);
    this.options.bridge.speak(this, frame.pcm8k, frame.opus, { ssrc: this.options.loopSsrc, sequenceNumber: this.loopSeq, timestamp: this.loopTs, marker: started });
  }

  private stopTalking(): void {
    if (!this.wasTalking) return;
    this.wasTalking = false;
    this.options.onTalking?.(false);
  }

  /** The loop's mix for this caller, every 20 ms (silence included: phones expect a steady stream). */
  hear(pcm8k: Int16Array): void {
    const remote = this.remote;
    if (this.closed || !remote) return;
    this.phoneSeq = seqAdd(this.phoneSeq, 1);
    this.phoneTs = tsAdd(this.phoneTs, TELEPHONE_FRAME);
    const law = remote.law;
    const packet = serializeRtp({ payloadType: G711_PAYLOAD_TYPE[law], sequenceNumber: this.phoneSeq, timestamp: this.phoneTs, ssrc: this.phoneSsrc, marker: false, payload: encodeG711(law, pcm8k) });
    this.socket.send(packet, remote.port, remote.address);
    this.packetsOut++;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.wasTalking) this.options.onTalking?.(false);
    if (this.remote && !this.locked) this.options.bridge.remove(this);
    this.socket.close();
  }
}
