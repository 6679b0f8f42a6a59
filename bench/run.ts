// `npm run bench -- <what> [options]`:
//   smoke | shift | idle | stress | <file.json>  — the load tool (bench/load.ts) with a scenario of
//                                                  bench/scenarios/ or a scenario file
//   compare a.json b.json (or --compare a b)     — ratios between two load-tool results
//   media  — the load tool with the former bench/media.ts layout (bench/scenarios/media.json)
//   mixer  — mixer engine throughput in listeners per core, with and without shared encoders
//   cores  — listeners served at the latency/loss limit with 1 vs 2 mixer engines (bench/cores.ts)
//   directory <dir> — write the load tool's accounts for a backend it does not start (bench/directory.ts)
//   latency — PTT → audible and leave → silent in Chromium (bench/latency.ts; --talker/--listener keyset|mute, --url)
//   openvocs-recorder --openvocs <checkout> — the openvocs web client's recorder extension lists and plays a
//                                            Loopcast recording (a check, not a measurement)
const scripts: Record<string, string> = { directory: './directory.js', mixer: './mixer.js', cores: './cores.js', latency: './latency.js', 'openvocs-recorder': './openvocs-recorder.js', compare: './compare.js', '--compare': './compare.js' };

const [what, ...rest] = process.argv.slice(2);
if (!what) {
  console.error('usage: npm run bench -- <smoke|shift|idle|stress|media|file.json|compare|mixer|cores|latency|openvocs-recorder> [options]');
  process.exit(2);
}
const script = scripts[what] ?? './load.js';
// Scenario names stay the first positional argument of the load tool.
process.argv = [process.argv[0] ?? 'node', script, ...(script === './load.js' ? [what] : []), ...rest];
await import(script);
