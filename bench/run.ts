// `npm run bench -- <scenario> [options]`: runs one benchmark script of this folder.
//   media  — server CPU (idle, 1 and 5 talkers) and tone-onset latency with real WebRTC operators
//   mixer  — mixer engine throughput in listeners per core, with and without shared encoders
const scenarios: Record<string, string> = { media: './media.js', mixer: './mixer.js' };

const [scenario, ...rest] = process.argv.slice(2);
const script = scenario ? scenarios[scenario] : undefined;
if (!script) {
  console.error(`usage: npm run bench -- <${Object.keys(scenarios).join('|')}> [options]`);
  process.exit(2);
}
process.argv = [process.argv[0] ?? 'node', script, ...rest];
await import(script);
