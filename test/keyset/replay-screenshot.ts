// Takes docs/keyset-replay.png (docs/recording.md) against a real server: alice talks 1.5 s on the
// recorded loop1, bob presses its replay key and the picture is taken while the key is lit:
//   node scripts/web.js build && npx vite-node test/keyset/replay-screenshot.ts
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../support/chromium.js';
import type { Operator } from '../support/media-operator.js';
import { loginThroughUi, newKeysetPage, tile } from './harness.js';
import { startRecordedServer, talkFor, toneTalker } from './recorded-server.js';

const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url));

const browser = await launchChromium(); // before the server (see keyset-browser.test.ts)
const server = await startRecordedServer({ loops: { loop1: {}, loop4: {} } });
let alice: Operator | undefined;
try {
  const { page: bob } = await newKeysetPage(browser, `https://127.0.0.1:${server.port}/`);
  await loginThroughUi(bob, 'bob', 'ground');
  alice = await toneTalker(server, 'alice', 'loop1', 440);
  await talkFor(alice, 1500);
  await bob.waitForSelector('.tile[data-loop="loop1"][data-talkers=""]:not(.active)', { timeout: 10_000 });
  await tile(bob, 'loop1').getByRole('button', { name: 'Replay the last call on loop1' }).click();
  await bob.waitForSelector('.tile[data-loop="loop1"] .tile-replay[aria-pressed="true"]', { timeout: 5_000 });
  await bob.mouse.move(0, 0);
  await bob.screenshot({ path: `${DOCS}keyset-replay.png` });
  console.log('screenshot written to docs/keyset-replay.png');
} finally {
  alice?.close();
  await browser.close();
  await server.stop();
  await rm(server.db, { recursive: true, force: true });
}
