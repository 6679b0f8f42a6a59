// `npm run bench -- latency [--runs 10] [--talker keyset|mute] [--listener keyset|mute] [--url https://host:port/]`
//
// Push-to-talk → audible and leave-loop → silent, in Chromium: two browser instances, the talker's
// fake microphone plays a 1 kHz tone, a ScriptProcessor on the listener's received track detects onset
// and silence (bench/latency/page-scripts.ts). Clients: the Loopcast keyset (PTT = Space, leave = the
// key's lit Listen target), or `mute`, a minimal openvocs-protocol page whose PTT only mutes its track and
// sends no `talking` event (how the openvocs client behaves). Without --url a Loopcast server with
// the repository's openvocs fixture starts in this process (web root: the built keyset); with --url
// any openvocs-protocol backend with users alice/flight and bob/ground (password = user) on loop1.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { tone } from '../testkit/signal/index.js';
import { launchChromium } from '../test/support/chromium.js';
import { startTestServer, type TestServer } from '../test/support/server.js';
import { wavFile } from '../test/support/wav.js';
import { KEYSET_DIST, keysetBuilt, loginThroughUi, poll, switchTile } from '../test/keyset/harness.js';
import { muteClientScript } from './latency/mute-client-bundle.js';
import { JITTER_BUFFER_STATS, PAGE_PROBE } from './latency/page-scripts.js';
import { EdgeSession } from '../src/media/edge/index.js';
import type { RtpPacket } from '../src/media/rtp.js';

type Kind = 'keyset' | 'mute';
interface BenchWindow {
  __bench: { events: Array<{ on: boolean; at: number }>; pressAt: number; leaveAt: number };
  benchClient: { start(u: string, r: string): Promise<void>; loop(l: string, s: string): Promise<number>; ptt(on: boolean): number; ready?: boolean };
}

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    talker: { type: 'string', default: 'keyset' },
    listener: { type: 'string', default: 'keyset' },
    url: { type: 'string' },
  },
});
const runs = Number(opts.runs);
const talkerKind = opts.talker as Kind;
const listenerKind = opts.listener as Kind;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function openClient(browser: Browser, origin: string, kind: Kind, user: string, role: string, state: 'send' | 'recv'): Promise<Page> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
  await context.addInitScript(PAGE_PROBE);
  const page = await context.newPage();
  if (kind === 'keyset') {
    await page.goto(origin);
    await loginThroughUi(page, user, role);
    await switchTile(page, 'loop1', state === 'send' ? 'send' : 'recv');
  } else {
    // Any page of the backend's origin (a secure context; a 404 will do); evaluate is not subject to its CSP.
    await page.goto(new URL('/__latency-bench', origin).href);
    await page.evaluate(muteClientScript());
    await page.evaluate(([u, r]) => (globalThis as unknown as BenchWindow).benchClient.start(u as string, r as string), [user, role]);
    await poll(() => page.evaluate(() => (globalThis as unknown as BenchWindow).benchClient.ready === true), (ok) => ok, 15_000, 50);
    await page.evaluate((s) => (globalThis as unknown as BenchWindow).benchClient.loop('loop1', s), state);
  }
  return page;
}

const events = (page: Page) => page.evaluate(() => (globalThis as unknown as BenchWindow).__bench.events.slice());

async function waitEvent(page: Page, on: boolean, after: number, timeoutMs = 5000): Promise<number | undefined> {
  const found = await poll(() => events(page), (ev) => ev.some((e) => e.on === on && e.at >= after), timeoutMs, 5);
  return found.find((e) => e.on === on && e.at >= after)?.at;
}

async function press(page: Page, kind: Kind, on: boolean): Promise<number> {
  if (kind === 'mute') return page.evaluate((v) => (globalThis as unknown as BenchWindow).benchClient.ptt(v), on);
  if (on) {
    await page.locator('body').click({ position: { x: 5, y: 400 } }); // focus the page, not an input
    const before = await page.evaluate(() => performance.timeOrigin + performance.now());
    await page.keyboard.down('Space');
    const at = await page.evaluate(() => (globalThis as unknown as BenchWindow).__bench.pressAt);
    return at >= before ? at : before; // the keydown time, or (if the page ate it) just before sending it
  }
  await page.keyboard.up('Space');
  return 0;
}

async function leave(page: Page, kind: Kind, join: boolean): Promise<number> {
  if (kind === 'mute') return page.evaluate((s) => (globalThis as unknown as BenchWindow).benchClient.loop('loop1', s), join ? 'recv' : 'none');
  if (join) {
    await switchTile(page, 'loop1', 'recv');
    return 0;
  }
  await page.locator('.tile[data-loop="loop1"][data-state="recv"] .key-listen.on').click(); // the lit Listen target leaves the loop
  return page.evaluate(() => (globalThis as unknown as BenchWindow).__bench.leaveAt);
}

interface JitterSnapshot { delay: number; emitted: number; target: number }
const jitterStats = (page: Page) => page.evaluate<JitterSnapshot>(JITTER_BUFFER_STATS);
const epochNow = () => performance.timeOrigin + performance.now();

/**
 * Debug hook on the in-process server (only without --url): when the plane forwarded each talker packet
 * carrying audio (> 30 bytes: the 1 kHz tone; muted comfort noise is ≤ 21 bytes) and when the edge sent
 * each downlink packet, in epoch ms like the pages' times (one machine, one clock).
 */
function hookServer(media: unknown): { in: number[]; out: number[] } {
  const times = { in: [] as number[], out: [] as number[] };
  const plane = media as { forward: (loop: unknown, packet: RtpPacket) => void };
  const forward = plane.forward.bind(plane);
  plane.forward = (loop, packet) => {
    if (packet.payload.length > 30) times.in.push(epochNow());
    forward(loop, packet);
  };
  const sendRtp = EdgeSession.prototype.sendRtp; // eslint-disable-line @typescript-eslint/unbound-method
  EdgeSession.prototype.sendRtp = function (this: EdgeSession, packet: RtpPacket): boolean {
    times.out.push(epochNow());
    return sendRtp.call(this, packet);
  };
  return times;
}
const firstAfter = (xs: number[], t: number) => xs.find((x) => x >= t);

function summary(xs: number[]): string {
  if (xs.length === 0) return 'no result';
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length / 2;
  const median = s.length % 2 ? (s[Math.floor(mid)] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
  return `median ${median.toFixed(0)} ms, range ${(s[0] as number).toFixed(0)}–${(s.at(-1) as number).toFixed(0)} ms (n=${s.length})`;
}

if ((talkerKind === 'keyset' || listenerKind === 'keyset') && !opts.url && !keysetBuilt()) {
  console.error('the keyset is not built: node scripts/web.js build');
  process.exit(2);
}
const dir = await mkdtemp(join(tmpdir(), 'latency-bench-'));
const wav = join(dir, 'tone.wav');
await writeFile(wav, wavFile(tone({ frequency: 1000, dbfs: -6, samples: 48_000 * 10 }), 48_000));
const talkerBrowser = await launchChromium({ fakeAudio: wav });
const listenerBrowser = await launchChromium();
let server: TestServer | undefined;
try {
  if (!opts.url) server = await startTestServer({ config: { webRoot: KEYSET_DIST, media: { enabled: true, bindAddress: '127.0.0.1' } } });
  const origin = opts.url ?? `https://127.0.0.1:${server?.port}/`;
  const serverTimes = server ? hookServer(server.media) : undefined;
  const segIn: number[] = [];
  const segServer: number[] = [];
  const segOut: number[] = [];
  const jitterMs: number[] = [];
  const jitterTargetMs: number[] = [];
  const listener = await openClient(listenerBrowser, origin, listenerKind, 'bob', 'ground', 'recv');
  const talker = await openClient(talkerBrowser, origin, talkerKind, 'alice', 'flight', 'send');
  await sleep(2000);
  const onset: number[] = [];
  const silent: number[] = [];
  const load: number[] = [];
  for (let i = 0; i < runs; i++) {
    load.push(loadavg()[0] ?? 0);
    const jbBefore = await jitterStats(listener);
    const pressedAt = await press(talker, talkerKind, true);
    const heardAt = await waitEvent(listener, true, pressedAt);
    if (heardAt !== undefined) onset.push(heardAt - pressedAt);
    if (process.env.LATENCY_DEBUG) console.log(pressedAt, JSON.stringify(await listener.evaluate(() => (globalThis as unknown as { __bench: unknown }).__bench)));
    await sleep(800);
    const jbAfter = await jitterStats(listener);
    let segments = '';
    if (jbAfter.emitted > jbBefore.emitted) {
      jitterMs.push((1000 * (jbAfter.delay - jbBefore.delay)) / (jbAfter.emitted - jbBefore.emitted));
      jitterTargetMs.push((1000 * (jbAfter.target - jbBefore.target)) / (jbAfter.emitted - jbBefore.emitted));
      segments += `, listener jitter buffer ${(jitterMs.at(-1) as number).toFixed(0)} ms`;
    }
    const inAt = serverTimes && firstAfter(serverTimes.in, pressedAt);
    const outAt = serverTimes && inAt !== undefined ? firstAfter(serverTimes.out, inAt) : undefined;
    if (inAt !== undefined && outAt !== undefined && heardAt !== undefined) {
      segIn.push(inAt - pressedAt);
      segServer.push(outAt - inAt);
      segOut.push(heardAt - outAt);
      segments += `; press→server ${(inAt - pressedAt).toFixed(0)}, server ${(outAt - inAt).toFixed(0)}, server→audible ${(heardAt - outAt).toFixed(0)} ms`;
    }
    const leftAt = await leave(listener, listenerKind, false);
    const quietAt = await waitEvent(listener, false, leftAt);
    if (quietAt !== undefined) silent.push(quietAt - leftAt);
    await press(talker, talkerKind, false);
    await leave(listener, listenerKind, true);
    console.log(`run ${i + 1}: PTT→audible ${heardAt === undefined ? 'not heard' : `${(heardAt - pressedAt).toFixed(0)} ms`}, leave→silent ${quietAt === undefined ? 'not silent' : `${(quietAt - leftAt).toFixed(0)} ms`}${segments}`);
    await sleep(1500); // the talker's spurt, the VAD hangover and the server clock wind down
  }
  console.log(`talker ${talkerKind}, listener ${listenerKind}, ${opts.url ?? 'Loopcast in process'}`);
  console.log(`PTT → audible:  ${summary(onset)}`);
  console.log(`leave → silent: ${summary(silent)}`);
  if (serverTimes) {
    console.log(`  PTT → first audio packet forwarded by the server (capture, encode, uplink): ${summary(segIn)}`);
    console.log(`  … → first downlink packet sent (playout wait, mix, encode): ${summary(segServer)}`);
    console.log(`  … → audible at the listener (downlink, jitter buffer, decode, playout, 5 ms detection block): ${summary(segOut)}`);
  }
  console.log(`  listener jitter buffer, mean delay over the 800 ms of talk: ${summary(jitterMs)}; target ${summary(jitterTargetMs)}`);
  console.log(`load average (1 min) during the runs: ${Math.min(...load).toFixed(2)}–${Math.max(...load).toFixed(2)}`);
} finally {
  await talkerBrowser.close();
  await listenerBrowser.close();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
}
