// Small statistics helpers shared by the load tool's measures and reports.

/** Nearest-rank percentile of an ascending-sorted array (NaN when empty). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

export interface Summary {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), max: round(sorted[sorted.length - 1] ?? NaN) };
}

export function round(x: number, digits = 1): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Samples per named series (e.g. reply latency per event), kept as plain arrays. */
export class SeriesRecorder {
  private readonly series = new Map<string, number[]>();

  add(name: string, value: number): void {
    let list = this.series.get(name);
    if (!list) this.series.set(name, (list = []));
    list.push(value);
  }

  /** The samples per series (to merge recorders of several processes). */
  raw(): Record<string, number[]> {
    return Object.fromEntries([...this.series].map(([name, values]) => [name, [...values]]));
  }

  merge(raw: Record<string, number[]>): void {
    for (const [name, values] of Object.entries(raw)) for (const v of values) this.add(name, v);
  }

  summaries(): Record<string, Summary> {
    const out: Record<string, Summary> = {};
    for (const [name, values] of [...this.series].sort(([a], [b]) => a.localeCompare(b))) out[name] = summarize(values);
    return out;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
