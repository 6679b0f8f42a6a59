// `bench compare` with backends: the same scenario against A and B, alternating A/B/A/B with a fresh
// start per run, so that the shared machine's drifting load hits both alike. This file is the pure part:
// per-run rows and B/A ratios with their range over the run pairs.
import type { BenchResult } from './result.js';
import { round } from './stats.js';

export interface RunRecord {
  backend: string;
  run: number;
  result: BenchResult;
}

type Measure = [label: string, get: (r: BenchResult) => number];

export const MEASURES: Measure[] = [
  ['server CPU (% of one core, all processes)', (r) => r.serverCost.cpuPercent],
  ['server CPU per operator (%)', (r) => r.serverCost.cpuPercentPerOperator],
  ['server RSS (MB, all processes)', (r) => r.serverCost.rssMb],
  ['login → media_ready p50 (ms)', (r) => r.setupMs.p50],
  ['login → media_ready p99 (ms)', (r) => r.setupMs.p99],
  ['tone onset → listener p50 (ms)', (r) => r.latencyMs.p50],
  ['tone onset → listener p99 (ms)', (r) => r.latencyMs.p99],
  ['downlink loss (%)', (r) => r.lossPercent],
];

/** The backends' order: A, B, A, B, … */
export function schedule(backends: readonly string[], runs: number): Array<{ backend: string; run: number }> {
  const out: Array<{ backend: string; run: number }> = [];
  for (let run = 1; run <= runs; run++) for (const backend of backends) out.push({ backend, run });
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

const fmt = (x: number): string => (Number.isFinite(x) ? String(round(x, x !== 0 && Math.abs(x) < 1 ? 3 : 1)) : '–');

/** Markdown: every run (with the load average), then B/A per measure as median [min–max] over the run pairs. */
export function compareRunsMarkdown(records: readonly RunRecord[], a: string, b: string): string {
  const lines = [
    '| run | backend | operators (failed) | load avg start → end | ' + MEASURES.map(([l]) => l).join(' | ') + ' | unexpected pairs | own voice heard |',
    '|---:|---|---:|---|' + MEASURES.map(() => '---:').join('|') + '|---:|---:|',
  ];
  for (const { backend, run, result: r } of records) {
    const load = r.machine.loadAverage ? `${r.machine.loadAverage.start[0]} → ${r.machine.loadAverage.end[0]}` : '–';
    lines.push(`| ${run} | ${backend} | ${r.operators} (${r.failedOperators}) | ${load} | ${MEASURES.map(([, get]) => fmt(get(r))).join(' | ')} | ${r.audio.unexpectedPairs} | ${r.audio.ownVoiceHeard} |`);
  }
  lines.push('', `| measure | ${a} median | ${b} median | ${b} / ${a} median [range over ${Math.min(count(records, a), count(records, b))} run pairs] |`, '|---|---:|---:|---:|');
  for (const [label, get] of MEASURES) {
    const va = records.filter((x) => x.backend === a).map((x) => get(x.result));
    const vb = records.filter((x) => x.backend === b).map((x) => get(x.result));
    const ratios = va.flatMap((x, i) => (vb[i] !== undefined && x !== 0 ? [(vb[i]) / x] : [])).filter(Number.isFinite);
    const range = ratios.length ? `${fmt(median(ratios))}× [${fmt(Math.min(...ratios))}–${fmt(Math.max(...ratios))}]` : '–';
    lines.push(`| ${label} | ${va.length ? fmt(median(va)) : '–'} | ${vb.length ? fmt(median(vb)) : '–'} | ${range} |`);
  }
  return lines.join('\n');
}

function count(records: readonly RunRecord[], backend: string): number {
  return records.filter((r) => r.backend === backend).length;
}
