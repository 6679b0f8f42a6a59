// Seconds spent in open intervals (talking on a loop, voice active on a loop), as a Prometheus
// counter. An interval adds its time when it closes and, while open, whenever the counter is
// scraped: a long talk shows up at once, not only when it ends. Pure bookkeeping on an injected clock.

export interface IntervalSink<K> {
  add(key: K, seconds: number): void;
}

export class IntervalClock<K> {
  /** Open intervals by id: their key and the time already added. */
  private readonly open = new Map<string, { key: K; markMs: number }>();

  constructor(
    private readonly sink: IntervalSink<K>,
    private readonly now: () => number = () => performance.now(),
  ) {}

  start(id: string, key: K): void {
    if (this.open.has(id)) return;
    this.open.set(id, { key, markMs: this.now() });
  }

  stop(id: string): void {
    const entry = this.open.get(id);
    if (!entry) return;
    this.open.delete(id);
    this.sink.add(entry.key, (this.now() - entry.markMs) / 1000);
  }

  /** Adds the time of every open interval up to now (called when scraped). */
  flush(): void {
    const now = this.now();
    for (const entry of this.open.values()) {
      this.sink.add(entry.key, (now - entry.markMs) / 1000);
      entry.markMs = now;
    }
  }

  get openCount(): number {
    return this.open.size;
  }
}
