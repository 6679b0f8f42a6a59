// The unmodified openvocs web client's recorder extension against Loopcast, in Chromium: a talker
// (a 440 Hz tone) talks on a recorded loop; the openvocs admin client (app/vocs_admin with its
// recorder extension switched on in config_vocs.js, the deployment's file) is served from its own
// origin, signs in as the domain admin, opens the project's Recorder page, searches and plays the
// recording. The bytes the page played are decoded by opusdec (an independent reader).
// Used by test/recorder/openvocs-client.test.ts (only with OPENVOCS_ROOT) and
// `npm run bench -- openvocs-recorder --openvocs <checkout>`.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { dominantFrequency } from '../../testkit/signal/index.js';
import { launchChromium } from '../support/chromium.js';
import { serveForeignWeb } from '../support/foreign-web.js';
import { startRecordedServer, talkFor, toneTalker } from '../keyset/recorded-server.js';
import { until } from '../support/until.js';
import { decodeOggOpus } from './opusdec.js';

export interface OpenvocsRecorderOptions {
  /** An openvocs checkout (its web client is `src/HTML`). */
  openvocsRoot: string;
  /** Where to write a PNG of the recorder page listing the recording. */
  screenshot?: string;
  talkMs?: number;
  frequency?: number;
}

export interface OpenvocsRecorderResult {
  /** The loops on the Recorder page: id, shown name, marked as recorded. */
  loops: Array<{ id: string; name: string; active: boolean }>;
  /** Every recorder event the page sent, with its parameter, in order. */
  sent: Array<{ event: string; parameter: unknown }>;
  /** The rows of the last get_recording answer as the page received them. */
  rows: Array<Record<string, unknown>>;
  /** ov-player elements the page drew. */
  players: number;
  /** The first player's <audio> after its play button was pressed. */
  playback: { src: string; duration: number; currentTime: number; ended: boolean; error: string | undefined };
  /** What opusdec makes of the bytes at playback.src. */
  decoded: { seconds: number; frequency: number };
  /** Uncaught errors of the page. */
  pageErrors: string[];
}

const RECORDER_EVENTS = new Set(['get_recorded_loops', 'get_recording', 'record_start', 'record_stop']);

export function openvocsWebDir(root: string): string {
  const web = join(root, 'src', 'HTML');
  if (!existsSync(join(web, 'extensions', 'recorder', 'ov_recorder.js')) || !existsSync(join(web, 'app', 'vocs_admin', 'index.html'))) {
    throw new Error(`${root} is not an openvocs checkout (no src/HTML/extensions/recorder/ov_recorder.js or src/HTML/app/vocs_admin/index.html)`);
  }
  return web;
}

export async function checkOpenvocsRecorder(options: OpenvocsRecorderOptions): Promise<OpenvocsRecorderResult> {
  const web = openvocsWebDir(options.openvocsRoot);
  const site = await serveForeignWeb(web);
  const server = await startRecordedServer({ loops: { loop1: {} }, allowedOrigins: [site.origin] });
  // The deployment's settings after the checkout's own config_vocs.js: Loopcast as the one
  // signaling server, recording on it, the recorder extension on.
  const deployment = `\nSIGNALING_SERVERS = [{ NAME: "loopcast", WEBSOCKET_URL: "wss://127.0.0.1:${server.port}", RECORD: true }];\nRECORDER = true;\n`;
  site.override('/config_vocs.js', 'text/javascript', () => readFileSync(join(web, 'config_vocs.js'), 'utf8') + deployment);
  const talker = await toneTalker(server, 'alice', 'loop1', options.frequency ?? 440);
  const browser = await launchChromium();
  try {
    await talkFor(talker, options.talkMs ?? 2000);
    const page = await browser.newPage({ viewport: { width: 960, height: 420 } });
    const seen = watchPage(page);
    await signInAndOpenRecorder(page, site.origin);
    // The page selects the first loop and searches the default range on its own; then the user's search.
    await until('the automatic search of the first loop', () => seen.sent.some((m) => m.event === 'get_recording'), { timeoutMs: 15_000, pollMs: 50 });
    // Custom elements of the openvocs page (ov-recorder-config-loop): the loop id, its name, the REC dot.
    const loops = await page
      .locator('ov-recorder-config-loop')
      .evaluateAll((els: Array<{ id: string; name: string; active: boolean }>) => els.map((e) => ({ id: e.id, name: e.name, active: e.active })));
    // The view's "to" is the minute it opened (openvocs view.js init): a user searching for a talk of
    // this minute moves it on, as here, one hour ahead.
    const later = await page.evaluate((ms) => {
      const d = new Date(ms); // a datetime-local value in the page's time zone, as the view writes it
      d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
      return d.toISOString().slice(0, 16);
    }, Date.now() + 3_600_000);
    await page.locator('#stop_time').fill(later);
    await page.locator('#search_records').click();
    await page.locator('ov-player').first().waitFor({ timeout: 15_000 });
    const players = await page.locator('ov-player').count();
    await page.locator('ov-player #recorder-play-button button').first().click();
    const playback = await waitForPlayback(page);
    if (options.screenshot) await page.screenshot({ path: options.screenshot });
    return { loops, sent: seen.sent, rows: seen.lastRows(), players, playback, decoded: await decodeLink(playback.src), pageErrors: seen.pageErrors };
  } finally {
    talker.close();
    await browser.close();
    await server.stop();
    await site.close();
  }
}

function watchPage(page: Page): { sent: OpenvocsRecorderResult['sent']; pageErrors: string[]; lastRows(): Array<Record<string, unknown>> } {
  const sent: OpenvocsRecorderResult['sent'] = [];
  const pageErrors: string[] = [];
  let rows: Array<Record<string, unknown>> = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('websocket', (ws) => {
    ws.on('framesent', (f) => {
      const m = JSON.parse(String(f.payload)) as { event: string; parameter?: unknown };
      if (RECORDER_EVENTS.has(m.event)) sent.push({ event: m.event, parameter: m.parameter });
    });
    ws.on('framereceived', (f) => {
      const m = JSON.parse(String(f.payload)) as { event: string; response?: unknown };
      if (m.event === 'get_recording' && Array.isArray(m.response)) rows = m.response as Array<Record<string, unknown>>;
    });
  });
  return { sent, pageErrors, lastRows: () => rows };
}

async function signInAndOpenRecorder(page: Page, origin: string): Promise<void> {
  await page.goto(`${origin}/app/vocs_admin/index.html`);
  // The login form enables its button on key-up events: type, do not fill.
  await page.locator('#username').pressSequentially('admin');
  await page.locator('#password').pressSequentially('admin');
  await page.locator('#login_button').click();
  // The page navigation listens only once the project view is rendered (the client logs that).
  const rendered = page.waitForEvent('console', { predicate: (m) => m.text().includes('(project config) View rendered'), timeout: 15_000 });
  await page.getByText('Mission Control', { exact: true }).click({ timeout: 15_000 });
  await rendered;
  await page.locator('#recorder_page_button + label').click();
  await page.locator('#stop_time').waitFor({ timeout: 15_000 });
  await page.locator('ov-recorder-config-loop').first().waitFor({ state: 'attached', timeout: 15_000 });
}

/** What is read of the page's HTMLAudioElement (the Node build has no DOM types). */
interface MediaElement {
  currentSrc: string;
  duration: number;
  currentTime: number;
  ended: boolean;
  error: { code: number; message: string } | null;
}

async function waitForPlayback(page: Page): Promise<OpenvocsRecorderResult['playback']> {
  const audio = page.locator('ov-player #my-audio').first();
  const deadline = Date.now() + 20_000;
  for (;;) {
    const state = await audio.evaluate((a: MediaElement) => ({
      src: a.currentSrc,
      duration: a.duration,
      currentTime: a.currentTime,
      ended: a.ended,
      error: a.error ? `${a.error.code} ${a.error.message}` : undefined,
    }));
    if (state.ended || state.error || Date.now() > deadline) return state;
    await page.waitForTimeout(100);
  }
}

async function decodeLink(url: string): Promise<OpenvocsRecorderResult['decoded']> {
  const body = await new Promise<Buffer>((resolve, reject) => {
    request(url, { rejectUnauthorized: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`${url}: HTTP ${res.statusCode}`))));
    })
      .on('error', reject)
      .end();
  });
  const dir = await mkdtemp(join(tmpdir(), 'loopcast-ovrec-'));
  try {
    await writeFile(join(dir, 'talk.opus'), body);
    const pcm = await decodeOggOpus(join(dir, 'talk.opus'));
    return { seconds: pcm.length / 48_000, frequency: dominantFrequency(pcm) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
