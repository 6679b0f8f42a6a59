// Level and spectrum readings from an AnalyserNode (mic meter, received-audio meter, test hook).
export class Meter {
  readonly analyser: AnalyserNode;
  private readonly time: Float32Array<ArrayBuffer>;
  private readonly bins: Float32Array<ArrayBuffer>;

  constructor(
    private readonly ctx: AudioContext,
    source: AudioNode,
  ) {
    this.analyser = ctx.createAnalyser();
    this.analyser.fftSize = 8192;
    this.analyser.smoothingTimeConstant = 0.3;
    source.connect(this.analyser);
    this.time = new Float32Array(this.analyser.fftSize);
    this.bins = new Float32Array(this.analyser.frequencyBinCount);
  }

  /** RMS level in dBFS of the last analyser window (−100 for silence). */
  levelDb(): number {
    this.analyser.getFloatTimeDomainData(this.time);
    let sum = 0;
    for (const v of this.time) sum += v * v;
    const rms = Math.sqrt(sum / this.time.length);
    return rms > 0 ? Math.max(-100, 20 * Math.log10(rms)) : -100;
  }

  /** Strongest frequency and its level (dB), as the browser tests check a received tone. */
  peak(): { frequency: number; db: number } {
    this.analyser.getFloatFrequencyData(this.bins);
    let best = 1;
    for (let i = 2; i < this.bins.length; i++) if ((this.bins[i] ?? -Infinity) > (this.bins[best] ?? -Infinity)) best = i;
    return { frequency: (best * this.ctx.sampleRate) / this.analyser.fftSize, db: this.bins[best] ?? -Infinity };
  }

  disconnect(): void {
    this.analyser.disconnect();
  }
}

let shared: AudioContext | undefined;

/**
 * One AudioContext per page, resumed on the first user gesture where autoplay rules require it.
 * 'interactive': the smallest output buffer the device allows (what a talk path needs).
 */
export function audioContext(): AudioContext {
  shared ??= new AudioContext({ latencyHint: 'interactive' });
  if (shared.state === 'suspended') void shared.resume();
  return shared;
}

/** Maps dBFS (−60…0) to 0…1 for meters. */
export function meterFraction(db: number): number {
  return Math.max(0, Math.min(1, (db + 60) / 60));
}
