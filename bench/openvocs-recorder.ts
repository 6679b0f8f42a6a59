// `npm run bench -- openvocs-recorder --openvocs <checkout> [--screenshot <file.png>]` (or OPENVOCS_ROOT):
// not a measurement but a compatibility check against the openvocs reference — the unmodified openvocs
// web client's recorder extension, served from its own origin, signs in to a Loopcast test server,
// lists a fresh 440 Hz recording and plays it in Chromium (test/recorder/openvocs-client.ts). Prints
// what the page sent, received and played; exits 1 when it did not list or play the recording.
import { parseArgs } from 'node:util';
import { keysetBuilt } from '../test/keyset/harness.js';
import { checkOpenvocsRecorder } from '../test/recorder/openvocs-client.js';

const { values } = parseArgs({ options: { openvocs: { type: 'string' }, screenshot: { type: 'string' } } });
const root = values.openvocs ?? process.env.OPENVOCS_ROOT;
if (!root) {
  console.error('usage: npm run bench -- openvocs-recorder --openvocs <openvocs checkout> [--screenshot <file.png>]');
  process.exit(2);
}
if (!keysetBuilt()) {
  console.error('build the web clients first: node scripts/web.js build');
  process.exit(2);
}

const result = await checkOpenvocsRecorder({ openvocsRoot: root, ...(values.screenshot ? { screenshot: values.screenshot } : {}) });
for (const m of result.sent) console.log(`page sent   ${m.event} ${JSON.stringify(m.parameter)}`);
console.log(`loops shown ${result.loops.map((l) => `${l.id}${l.active ? ' (recorded)' : ''}`).join(', ')}`);
for (const row of result.rows) console.log(`row         ${JSON.stringify(row)}`);
console.log(`players     ${result.players}`);
console.log(`playback    ${JSON.stringify(result.playback)}`);
console.log(`decoded     ${result.decoded.seconds.toFixed(2)} s, dominant ${result.decoded.frequency.toFixed(1)} Hz (opusdec of the played link)`);
if (result.pageErrors.length > 0) console.log(`page errors ${result.pageErrors.join(' | ')}`);
const ok = result.rows.length > 0 && result.players > 0 && result.playback.ended && !result.playback.error && Math.abs(result.decoded.frequency - 440) < 10;
console.log(ok ? 'OK: the openvocs recorder extension listed and played the Loopcast recording' : 'FAILED');
process.exit(ok ? 0 : 1);
