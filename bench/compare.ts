// `npm run bench -- compare …`, two forms:
//   compare a.json b.json          — b's measures relative to a's (two saved results)
//   compare <scenario> --a-name loopcast --b-name openvocs --b-start "<command>" --b-url wss://…/api
//           [--a-start … --a-url …] [--runs 2] [--operators N] [--seconds S] [--settle 5] [--json out.json]
//     runs the scenario against A and B alternately (A/B/A/B, a fresh backend per run), sums CPU and RSS
//     over every process of a started backend, records the load average and prints B/A with ranges.
//     A backend without --x-start is a self-started Loopcast.
import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { startCommandBackend, type RunningBackend } from './lib/backend.js';
import { compareRunsMarkdown, schedule, type RunRecord } from './lib/compare-runs.js';
import { compare } from './lib/report.js';
import type { BenchResult } from './lib/result.js';
import { runScenario } from './lib/runner.js';
import { loadScenario } from './lib/scenario.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    compare: { type: 'boolean' },
    'a-name': { type: 'string', default: 'loopcast' },
    'a-start': { type: 'string' },
    'a-url': { type: 'string' },
    'b-name': { type: 'string', default: 'other' },
    'b-start': { type: 'string' },
    'b-url': { type: 'string' },
    runs: { type: 'string', default: '2' },
    operators: { type: 'string' },
    seconds: { type: 'string' },
    settle: { type: 'string', default: '5' },
    json: { type: 'string' },
  },
});

if (positionals.length === 2 && positionals.every((p) => p.endsWith('.json')) && !values['b-start'] && !values['b-url']) {
  const [a, b] = await Promise.all(positionals.map(async (f) => JSON.parse(await readFile(f, 'utf8')) as BenchResult));
  console.log(compare(a as BenchResult, b as BenchResult, basename(positionals[0] as string), basename(positionals[1] as string)));
  process.exit(0);
}
const name = positionals[0];
if (positionals.length !== 1 || !name) {
  console.error('usage: npm run bench -- compare a.json b.json | compare <scenario> --b-name N --b-start CMD --b-url URL [--runs 2]');
  process.exit(2);
}

const sides = { a: { name: values['a-name'], start: values['a-start'], url: values['a-url'] }, b: { name: values['b-name'], start: values['b-start'], url: values['b-url'] } };
for (const side of Object.values(sides)) {
  if (Boolean(side.start) !== Boolean(side.url)) throw new Error(`${side.name}: --x-start and --x-url go together`);
}
const records: RunRecord[] = [];
for (const { backend, run } of schedule([sides.a.name, sides.b.name], Number(values.runs))) {
  const side = backend === sides.a.name ? sides.a : sides.b;
  const scenario = await loadScenario(name);
  if (values.operators) scenario.operators = Number(values.operators);
  if (values.seconds) scenario.durationSeconds = Number(values.seconds);
  let running: RunningBackend | undefined;
  try {
    if (side.start && side.url) running = await startCommandBackend({ name: backend, start: side.start, url: side.url, settleSeconds: Number(values.settle) });
    const result = await runScenario({
      scenario,
      ...(running ? { url: running.url, pids: running.pids() } : {}),
      log: (line) => process.stderr.write(`bench compare ${backend} #${run}: ${line}\n`),
    });
    records.push({ backend, run, result });
    process.stderr.write(`bench compare ${backend} #${run}: server CPU ${result.serverCost.cpuPercent} %, RSS ${result.serverCost.rssMb} MB, setup p99 ${result.setupMs.p99} ms, failed ${result.failedOperators}\n`);
  } finally {
    await running?.stop();
  }
}
console.log(`### compare ${name}: ${sides.a.name} vs ${sides.b.name}, ${values.runs} runs each (A/B/A/B), ${records[0]?.result.operators ?? 0} operators\n`);
console.log(compareRunsMarkdown(records, sides.a.name, sides.b.name));
if (values.json) await writeFile(values.json, `${JSON.stringify(records, null, 2)}\n`);
process.exit(0);
