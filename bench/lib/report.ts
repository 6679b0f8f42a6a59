// Markdown for humans: one table per result, and the ratio table of `bench compare a.json b.json`.
import type { BenchResult } from './result.js';

type Row = [label: string, value: (r: BenchResult) => number | string | null | undefined];

const f = (x: number | null | undefined, digits = 1): string => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits));

/** Measures shown in both the table and the comparison (numbers compare as ratios). */
const ROWS: Row[] = [
  ['operators connected', (r) => r.operators],
  ['login → media_ready p50 (ms)', (r) => r.setupMs.p50],
  ['login → media_ready p99 (ms)', (r) => r.setupMs.p99],
  ['tone onset → listener p50 (ms)', (r) => r.latencyMs.p50],
  ['tone onset → listener p99 (ms)', (r) => r.latencyMs.p99],
  ['latency samples', (r) => r.latencyMs.n],
  ['downlink loss (%)', (r) => r.lossPercent],
  ['downlink jitter at the end, mean (ms)', (r) => r.jitterMs],
  ['stalls (> 60 ms inside a burst)', (r) => r.stalls],
  ['expected bursts missed', (r) => r.missedBursts],
  ['server CPU (% of one core)', (r) => r.serverCost.cpuPercent],
  ['server CPU per operator (%)', (r) => r.serverCost.cpuPercentPerOperator],
  ['server RSS (MB)', (r) => r.serverCost.rssMb],
  ['load generator CPU per operator (%)', (r) => r.clientCost.cpuPercentPerOperator],
  ['load generator event-loop delay p99 (ms)', (r) => r.clientCost.eventLoopDelayP99Ms],
  ['uplink DTX packets sent by muted operators (window)', (r) => r.serverMedia?.mutedPacketsSent],
  ['server: uplink RTP packets forwarded into loops (window)', (r) => r.serverMedia?.rtpIn],
  ['server: downlink RTP packets out (window)', (r) => r.serverMedia?.rtpOut],
  ['server: mixing clock ticks, 4 per 20 ms frame (window)', (r) => r.serverMedia?.clockTicks],
  ['server: Opus decodes (window)', (r) => r.serverMedia?.decodes],
  ['switch_loop_state reply p99 (ms)', (r) => r.replyMs.switch_loop_state?.p99],
  ['login reply p99 (ms)', (r) => r.replyMs.login?.p99],
  ['max operators within the limits (ramp)', (r) => r.ramp?.maxOperators],
];

export function markdown(r: BenchResult): string {
  const a = r.audio;
  const lines = [
    `### ${r.scenario}: ${r.description}`,
    '',
    `${r.date.slice(0, 10)}, ${r.server}, ${r.machine.cpus} cores (shared with the load generator), Node ${r.machine.node}; ` +
      `${r.operators} operators, ${r.loops} loops, ${r.talkers} talkers, ${r.durationSeconds} s window` +
      (r.generatorShards ? `; load generator in ${r.generatorShards} processes (shard 0 holds the talkers)` : '') +
      (r.machine.loadAverage ? `; load average ${r.machine.loadAverage.start[0]} at the start, ${r.machine.loadAverage.end[0]} at the end.` : '.'),
    '',
    '| measure | value |',
    '|---|---:|',
    ...ROWS.map(([label, get]) => [label, get(r)] as const)
      .filter(([, v]) => v !== undefined)
      .map(([label, v]) => `| ${label} | ${typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '–') : (v ?? '–')} |`),
    `| listeners hearing every expected talker | ${r.hearing.filter((h) => h.heard.length === h.expected.length).length} / ${a.listeners} |`,
    `| talker pairs heard / expected / unexpected | ${a.heardPairs} / ${a.expectedPairs} / ${a.unexpectedPairs} |`,
    `| own voice heard / checks (mix-minus) | ${a.ownVoiceHeard} / ${a.ownVoiceChecks} |`,
    `| probes dropped (holder or listener state changed mid-probe; of them onset not confirmed in time) | ${a.droppedProbes}; ${a.unconfirmedProbes ?? 0} |`,
    ...(a.decodedPercent !== undefined ? [`| downlink packets decoded for analysis (%) | ${a.decodedPercent} |`] : []),
    `| received tone level, mean (dBFS) | ${f(a.meanLevelDbfs)} |`,
  ];
  if (r.ramp) {
    lines.push('', '| operators | loss % | stalls | p50 ms | p99 ms | server CPU % | server throttled % of periods | server stopped by quota % of time | server ticks > 10 ms late % | load generator CPU % | load generator loop delay p99 ms (per shard) | within limits |', '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
    for (const s of r.ramp.steps) {
      lines.push(`| ${s.operators} | ${s.lossPercent} | ${s.stalls} | ${f(s.latencyMs.p50)} | ${f(s.latencyMs.p99)} | ${s.serverCpuPercent} | ${s.serverThrottledPercent ?? '–'} | ${s.serverStoppedPercent ?? '–'} | ${s.serverLateTicksPercent ?? '–'} | ${s.clientCpuPercent} | ${s.clientShardEventLoopDelayP99Ms?.join(' / ') ?? s.clientEventLoopDelayP99Ms} | ${s.ok ? 'yes' : 'no'} |`);
    }
    lines.push('', `Ramp stopped: ${r.ramp.stoppedBecause}; at the end ${r.ramp.saturated}.`);
  }
  if (r.failedOperators > 0) lines.push('', `${r.failedOperators} operators failed to connect, e.g. ${r.errors[0] ?? ''}`);
  return lines.join('\n');
}

/** b relative to a, measure by measure ("0.50×" = b has half of a's value). */
export function compare(a: BenchResult, b: BenchResult, nameA = 'a', nameB = 'b'): string {
  const lines = [`| measure | ${nameA} (${a.scenario}) | ${nameB} (${b.scenario}) | ${nameB} / ${nameA} |`, '|---|---:|---:|---:|'];
  for (const [label, get] of ROWS) {
    const va = get(a);
    const vb = get(b);
    if (va === undefined && vb === undefined) continue;
    const ratio = typeof va === 'number' && typeof vb === 'number' && va !== 0 ? `${(vb / va).toFixed(2)}×` : '–';
    lines.push(`| ${label} | ${va ?? '–'} | ${vb ?? '–'} | ${ratio} |`);
  }
  return lines.join('\n');
}
