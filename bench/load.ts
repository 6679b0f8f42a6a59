// The load tool's command line: `npm run bench -- <scenario|file.json> [options]`.
//   --url wss://host:port/api   drive an existing backend (default: start a Loopcast in a child process)
//   --users op --password P --role R --loops l   account layout the backend must have
//                               (users <users>0..N-1 with password P, members of role R, which may
//                               talk on loops <loops>0..L-1; defaults op / bench-password / ops / l)
//   --pid 1234 [--pid …]        server processes to sample CPU/RSS from (with --url)
//   --operators N --seconds S   override the scenario's fleet size / measurement window
//   --max-p99 MS --max-loss PCT ramp limits (default: the scenario's, 60 ms and 1 %)
//   --bind ADDR                 local address of the operators' WebRTC clients (default 127.0.0.1); use a
//                               routable one when the server is in another namespace or on another host
//   --server-cpus LIST --generator-cpus LIST   pin the self-started server and this load generator to
//                               different CPUs (taskset lists, e.g. 1 and 0): a ramp then finds the
//                               server's limit, and reports which side saturated
//   --server-cpu-quota CORES    give the self-started server a CPU budget (cgroup v1 CFS quota, e.g. 0.5
//                               = half a core; needs root): a ramp then finds "N operators at 0.5 core"
//   --server-cpu-period-ms MS   the quota's CFS period (default 100, as container runtimes): the longest
//                               the server can be held stopped once it used up its budget
//   --generator-shards N        run the operators in N load-generator processes (default: the scenario's;
//                               stress uses 3): shard 0 holds the talkers, the others the listeners, so
//                               no single event loop's lag enters every send and arrival time
//   --json out.json             write the full result
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { DEFAULT_ACCOUNTS } from './lib/directory.js';
import { markdown } from './lib/report.js';
import { runScenario } from './lib/runner.js';
import { budgets } from './lib/saturation.js';
import { loadScenario } from './lib/scenario.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string' },
    users: { type: 'string', default: DEFAULT_ACCOUNTS.userPrefix },
    password: { type: 'string', default: DEFAULT_ACCOUNTS.password },
    role: { type: 'string', default: DEFAULT_ACCOUNTS.role },
    loops: { type: 'string', default: DEFAULT_ACCOUNTS.loopPrefix },
    pid: { type: 'string', multiple: true, default: [] },
    operators: { type: 'string' },
    seconds: { type: 'string' },
    'max-p99': { type: 'string' },
    'max-loss': { type: 'string' },
    json: { type: 'string' },
    bind: { type: 'string' },
    'server-cpus': { type: 'string' },
    'generator-cpus': { type: 'string' },
    'server-cpu-quota': { type: 'string' },
    'generator-shards': { type: 'string' },
    'server-cpu-period-ms': { type: 'string' },
  },
});

const name = positionals[0];
if (!name) {
  console.error('usage: npm run bench -- <smoke|shift|idle|stress|file.json> [--url wss://host:port/api] [--json out.json]');
  process.exit(2);
}
if (values.url && (values['server-cpu-quota'] || values['server-cpus'])) {
  console.error('--server-cpu-quota and --server-cpus apply to the self-started server only (not with --url)');
  process.exit(2);
}
const scenario = await loadScenario(name);
const generatorCpus = values['generator-cpus'];
// All threads (node-datachannel's native ones too) of this process move to the generator's CPUs.
if (generatorCpus) execFileSync('taskset', ['-a', '-cp', generatorCpus, String(process.pid)], { stdio: 'ignore' });
if (values.operators) scenario.operators = Number(values.operators);
if (values.seconds) scenario.durationSeconds = Number(values.seconds);
if (scenario.stress && values['max-p99']) scenario.stress.maxP99Ms = Number(values['max-p99']);
if (scenario.stress && values['max-loss']) scenario.stress.maxLossPercent = Number(values['max-loss']);
if (values['generator-shards']) scenario.generatorShards = Number(values['generator-shards']);

const result = await runScenario({
  scenario,
  ...(values.url ? { url: values.url } : {}),
  accounts: { userPrefix: values.users, password: values.password, role: values.role, loopPrefix: values.loops },
  pids: values.pid.map(Number),
  ...(values.bind ? { bindAddress: values.bind } : {}),
  ...(values['server-cpus'] ? { serverCpus: values['server-cpus'] } : {}),
  ...(values['server-cpu-quota'] ? { serverCpuQuota: Number(values['server-cpu-quota']) } : {}),
  ...(values['server-cpu-period-ms'] ? { serverCpuPeriodUs: Math.round(Number(values['server-cpu-period-ms']) * 1000) } : {}),
  budgets: budgets({
    machineCores: cpus().length,
    ...(values['server-cpus'] ? { serverCpus: values['server-cpus'] } : {}),
    ...(generatorCpus ? { generatorCpus } : {}),
    ...(values['server-cpu-quota'] ? { serverQuota: Number(values['server-cpu-quota']) } : {}),
  }),
  log: (line) => process.stderr.write(`bench ${scenario.name}: ${line}\n`),
});
console.log(markdown(result));
if (values.json) await writeFile(values.json, `${JSON.stringify(result, null, 2)}\n`);
// node-datachannel's native threads can outlive closed connections by a moment; do not wait for them.
process.exit(0);
