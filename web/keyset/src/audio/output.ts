// Received audio: the lead backend's downlink plays through one <audio> element (speaker choice via
// setSinkId), and a meter taps the same stream (Chrome feeds remote WebRTC audio into WebAudio only
// while a media element plays it).
import { audioContext, Meter } from './meter.js';

type SinkElement = HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> };

export class AudioOutput {
  private readonly element: SinkElement = new Audio();
  private source: MediaStreamAudioSourceNode | undefined;
  meter: Meter | undefined;
  private stream: MediaStream | undefined;
  private sinkId = '';

  constructor() {
    this.element.autoplay = true;
  }

  static get canSelectSpeaker(): boolean {
    return 'setSinkId' in HTMLMediaElement.prototype;
  }

  play(stream: MediaStream | undefined): void {
    if (stream === this.stream) return;
    this.stream = stream;
    this.meter?.disconnect();
    this.source?.disconnect();
    this.meter = undefined;
    this.source = undefined;
    this.element.srcObject = stream ?? null;
    if (!stream) return;
    this.element.play().catch(() => {}); // autoplay blocked: resumed by the next user gesture (resume())
    const ctx = audioContext();
    this.source = ctx.createMediaStreamSource(stream);
    this.meter = new Meter(ctx, this.source);
  }

  /** After a user gesture: start playback that autoplay rules held back. */
  resume(): void {
    audioContext();
    if (this.element.srcObject && this.element.paused) this.element.play().catch(() => {});
  }

  async setSpeaker(id: string): Promise<void> {
    this.sinkId = id;
    if (this.element.setSinkId) await this.element.setSinkId(id).catch(() => {});
  }

  /** A short 440 Hz tone on the selected speaker, so the operator can check the headset. */
  async testTone(): Promise<void> {
    const ctx = new AudioContext();
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    gain.gain.value = 0.2;
    const dest = ctx.createMediaStreamDestination();
    osc.frequency.value = 440;
    osc.connect(gain).connect(dest);
    const el: SinkElement = new Audio();
    el.srcObject = dest.stream;
    if (el.setSinkId && this.sinkId) await el.setSinkId(this.sinkId).catch(() => {});
    osc.start();
    await el.play().catch(() => {});
    await new Promise((r) => setTimeout(r, 800));
    osc.stop();
    el.srcObject = null;
    await ctx.close();
  }
}
