// The uplink of a keyset whose push-to-talk only mutes its track (enabled = false), as Chromium sends it
// with Opus DTX (the server's answer says usedtx=1). A muted track feeds the encoder digital silence.
// The packets are not invented: libopus (the @discordjs/opus binding, 1.3.1) encodes the silence with
// Chromium's default Opus settings for a mono voice track (application voip, 32 kbit/s, complexity 9,
// in-band FEC, DTX), and WebRTC's send rule is applied to its output (WebRtcOpus_Encode in
// modules/audio_coding/codecs/opus/opus_interface.cc): a packet of at most 2 bytes (TOC only: DTX) is
// sent only when it is the first of its run, every other packet is sent. libopus 1.3.1 then codes a
// comfort-noise frame (21 bytes, hybrid mode with FEC) every 21 frames (420 ms), each followed by one
// 1-byte DTX packet: two tiny packets per ~400 ms, the rest of the time nothing.
// The sequence is encoded once and replayed by every idle operator, so 200 of them cost the load
// generator no codec time (the packets of one stream do not depend on who sends them).
import { FRAME_MS, FRAME_SAMPLES, OpusFrameEncoder } from '../src/media/opus.js';
import type { WebRtcClient } from './webrtc-client.js';

/** One packet a muted Chromium sends: `frame` frames after the mute. */
export interface DtxPacket {
  frame: number;
  payload: Buffer;
}

export interface MutedSchedule {
  /** Packets in order, from the mute on, for `frames` frames. */
  packets: DtxPacket[];
  /** Frames after which the steady pattern repeats: the distance between the last two comfort-noise frames. */
  period: number;
}

/** Chromium's defaults for a mono Opus send stream (AudioEncoderOpusConfig, desktop). */
const CHROMIUM_OPUS = { application: 'voip', bitrate: 32000, complexity: 9, fec: true, dtx: true } as const;

/** Encodes `frames` frames of digital silence and keeps what WebRTC would put on the wire. */
export function mutedSchedule(frames = 1000): MutedSchedule {
  const encoder = new OpusFrameEncoder(CHROMIUM_OPUS);
  const silence = new Int16Array(FRAME_SAMPLES);
  const packets: DtxPacket[] = [];
  let inDtx = false;
  for (let frame = 0; frame < frames; frame++) {
    const payload = Buffer.from(encoder.encode(silence));
    if (payload.length <= 2) {
      if (inDtx) continue;
      inDtx = true;
    } else inDtx = false;
    packets.push({ frame, payload });
  }
  encoder.close();
  const comfort = packets.filter((p) => p.payload.length > 2).map((p) => p.frame);
  const last = comfort[comfort.length - 1];
  const before = comfort[comfort.length - 2];
  if (last === undefined || before === undefined) throw new Error('libopus never sent comfort noise: DTX is off');
  return { packets, period: last - before };
}

let shared: MutedSchedule | undefined;

/**
 * Sends a muted keyset's DTX packets on a client's uplink, in wall-clock time, from start() until stop()
 * (talking: the PCM uplink takes over) or the client closes. After the encoded sequence it repeats its
 * steady last period.
 */
export class MutedUplink {
  private readonly schedule: MutedSchedule;
  private timer: NodeJS.Timeout | undefined;
  private sentPackets = 0;

  constructor(private readonly client: WebRtcClient) {
    this.schedule = shared ??= mutedSchedule();
    client.once('close', () => this.stop());
  }

  get sent(): number {
    return this.sentPackets;
  }

  /** Mutes now: the encoder's output from the mute on. `phaseMs` delays the start (keysets are not in step). */
  start(phaseMs = 0): void {
    this.stop();
    const { packets, period } = this.schedule;
    const steadyFrom = packets.findIndex((p) => p.frame >= (packets[packets.length - 1]?.frame ?? 0) - period + 1);
    const startAt = performance.now() + phaseMs;
    let index = 0;
    let offset = 0; // frames added by repeating the steady period
    let previous = -1;
    const next = (): void => {
      const packet = packets[index];
      if (!packet) return;
      const frame = packet.frame + offset;
      this.timer = setTimeout(() => {
        if (this.client.sendEncoded(packet.payload, previous < 0 ? 0 : frame - previous - 1)) this.sentPackets++;
        previous = frame;
        index++;
        if (index >= packets.length) {
          index = steadyFrom;
          offset += period;
        }
        next();
      }, Math.max(0, startAt + frame * FRAME_MS - performance.now()));
    };
    next();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
