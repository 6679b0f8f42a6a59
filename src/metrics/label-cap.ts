// Bounded label values. Loop and project names come from the directory (never from clients), but a
// directory can be large: the first `max` distinct values keep their own series, later ones share
// OTHER, so one scrape never grows past a known size (docs/operations.md, Metrics).

export const OTHER = '_other';

export class LabelCap {
  private readonly seen = new Set<string>();

  constructor(readonly max: number) {}

  /** The value itself while under the cap (or already seen), OTHER beyond it. */
  label(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.max) return OTHER;
    this.seen.add(value);
    return value;
  }
}
