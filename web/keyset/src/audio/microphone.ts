// The operator's microphone: one capture, cloned per backend (each media session mutes its own clone),
// with a meter so the operator sees the mic is live before talking.
import { audioContext, Meter } from './meter.js';

export class Microphone {
  stream: MediaStream | undefined;
  meter: Meter | undefined;
  error = '';
  private source: MediaStreamAudioSourceNode | undefined;

  get track(): MediaStreamTrack | undefined {
    return this.stream?.getAudioTracks()[0];
  }

  /** Opens (or re-opens with another device) the microphone; false when denied or absent. */
  async open(deviceId: string): Promise<boolean> {
    this.close();
    try {
      // Noise suppression would eat steady tones and some radio audio; control rooms use headsets.
      const audio: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: false, autoGainControl: false };
      if (deviceId) audio.deviceId = { exact: deviceId };
      this.stream = await navigator.mediaDevices.getUserMedia({ audio });
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
      return false;
    }
    this.error = '';
    const ctx = audioContext();
    this.source = ctx.createMediaStreamSource(this.stream);
    this.meter = new Meter(ctx, this.source);
    return true;
  }

  /** A clone for one backend's media session, or undefined without a microphone (listen-only). */
  cloneTrack(): MediaStreamTrack | undefined {
    return this.track?.clone();
  }

  close(): void {
    this.meter?.disconnect();
    this.source?.disconnect();
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = undefined;
    this.meter = undefined;
    this.source = undefined;
  }
}
