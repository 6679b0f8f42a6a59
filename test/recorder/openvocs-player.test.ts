// What the openvocs web client's recorder extension relies on, without an openvocs checkout (the check
// with the real client: test/recorder/openvocs-client.test.ts, only with OPENVOCS_ROOT). Its page is
// served from another origin than Loopcast's; it sends its recorder events with its own envelope
// (lib/ov_websocket.js) and reads the answers as extensions/recorder does: get_recorded_loops →
// `response.result[].loop`, get_recording → a bare array of rows, each played as
// `"https://" + <WebSocket URL without "wss://" and "api"> + "audio/" + uri` by an
// `<audio preload="auto"><source></audio>` without a crossorigin attribute (components/player).
import { randomUUID } from 'node:crypto';
import { request } from 'node:https';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { launchChromium } from '../support/chromium.js';
import { serveForeignWeb, type ForeignWeb } from '../support/foreign-web.js';
import type { TestServer } from '../support/server.js';
import { keysetBuilt } from '../keyset/harness.js';
import { startRecordedServer, talkFor, toneTalker } from '../keyset/recorded-server.js';

/** components/player/player.html's audio element, on a page of the other origin. */
const PLAYER_PAGE = '<!doctype html><title>player</title><audio id="my-audio" preload="auto"><source /></audio>';

interface Reply {
  event: string;
  uuid: string;
  type?: string;
  response?: unknown;
  error?: { code: number };
}

/** One request as lib/ov_websocket.js sends it, answered by the reply with its event and uuid. */
function openvocsRequest(ws: WebSocket, client: string, event: string, parameter: Record<string, unknown>): Promise<Reply> {
  const uuid = randomUUID();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to ${event}`)), 10_000);
    const onMessage = (data: WebSocket.RawData): void => {
      // ws hands text frames over as Buffers (binaryType "nodebuffer").
      const m = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : '{}') as Reply;
      if (m.event !== event || m.uuid !== uuid) return;
      clearTimeout(timer);
      ws.off('message', onMessage);
      resolve(m);
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ event, uuid, client, type: 'unicast', parameter }));
  });
}

/** What the test touches of the page's HTMLAudioElement (the Node build has no DOM types). */
interface AudioElement {
  querySelector(selector: 'source'): { src: string; addEventListener(type: 'error', listener: () => void): void } | null;
  load(): void;
  play(): Promise<void>;
  ended: boolean;
  duration: number;
  error: { code: number } | null;
}

/** Epoch seconds of the minute `ms` falls in: the view's datetime-local inputs have minutes only. */
const minute = (ms: number): number => Math.floor(ms / 60_000) * 60;

function head(url: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    request(url, { method: 'GET', headers: { range: 'bytes=0-' }, rejectUnauthorized: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    })
      .on('error', reject)
      .end();
  });
}

describe.skipIf(!keysetBuilt())('the openvocs recorder extension’s requests and player, from another origin', () => {
  let site: ForeignWeb;
  let server: TestServer;
  let browser: Browser;
  let ws: WebSocket;
  const client = randomUUID();
  let talkEnd = 0;

  beforeAll(async () => {
    site = await serveForeignWeb(undefined);
    site.override('/player.html', 'text/html', () => PLAYER_PAGE);
    server = await startRecordedServer({ loops: { loop1: {} }, allowedOrigins: [site.origin] });
    const alice = await toneTalker(server, 'alice', 'loop1', 440);
    await talkFor(alice, 1500);
    alice.close();
    talkEnd = Date.now();
    browser = await launchChromium();
    // The browser sends the page's origin; the openvocs client opens `<WEBSOCKET_URL>/api`.
    ws = new WebSocket(server.apiUrl, { origin: site.origin, rejectUnauthorized: false });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  }, 60_000);
  afterAll(async () => {
    ws?.close();
    await browser?.close();
    await server?.stop();
    await site?.close();
  });

  it('lists the recorded loop and the talk in the shapes the extension reads, and its link plays in a cross-origin <audio>', async () => {
    const login = await openvocsRequest(ws, client, 'login', { user: 'admin', password: 'admin' });
    expect(login.error).toBeUndefined();

    // extensions/recorder/ov_recorder.js get_recorded_loops: `result.result`, then `.map((x) => x.loop)`.
    const recorded = await openvocsRequest(ws, client, 'get_recorded_loops', {});
    expect(recorded.type).toBe('unicast');
    expect(recorded.error).toBeUndefined();
    expect((recorded.response as { result: unknown }).result).toEqual([{ loop: 'loop1' }]);

    // views/config/js/view.js: from = the minute a week ago, to = a minute the user picked after the talk.
    const parameter = { loop: 'loop1', from: minute(Date.now() - 7 * 86_400_000), to: minute(talkEnd) + 60 };
    const found = await openvocsRequest(ws, client, 'get_recording', parameter);
    expect(found.error).toBeUndefined();
    expect(Array.isArray(found.response)).toBe(true);
    const rows = found.response as Array<Record<string, unknown>>;
    expect(rows).toHaveLength(1);
    expect(Object.keys(rows[0]!).sort()).toEqual(['endtime', 'id', 'loop', 'starttime', 'uri']);
    for (const value of Object.values(rows[0]!)) expect(typeof value).toBe('string');

    // lib/ov_websocket.js server_url, then the player list's `uri + recording.uri`.
    const url = server.apiUrl;
    const link = `https://${url.slice(6, url.lastIndexOf('/') + 1)}audio/${String(rows[0]!.uri)}`;
    // A no-cors media load: nothing may confine the response to Loopcast's own origin.
    const res = await head(link);
    expect(res.status).toBe(206);
    expect(res.headers['content-type']).toMatch(/^audio\/ogg/);
    expect(res.headers['cross-origin-resource-policy']).toBeUndefined();

    const page = await browser.newPage();
    await page.goto(`${site.origin}/player.html`);
    expect(new URL(page.url()).origin).not.toBe(new URL(link).origin);
    const state = await page.locator('audio').evaluate(async (audio: AudioElement, src: string) => {
      const source = audio.querySelector('source')!;
      // With <source> children a failed load leaves the element's `error` null: the source says it.
      let sourceFailed = false;
      source.addEventListener('error', () => (sourceFailed = true));
      source.src = src;
      audio.load();
      let refused: string | null = null;
      audio.play().catch((e: unknown) => (refused = String(e)));
      const failed = () => audio.error !== null || sourceFailed || refused !== null;
      const deadline = Date.now() + 15_000;
      while (!audio.ended && !failed() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      return { ended: audio.ended, duration: audio.duration, error: audio.error?.code ?? null, sourceFailed, refused };
    }, link);
    expect(state.error).toBeNull();
    expect(state.refused).toBeNull();
    expect(state.sourceFailed).toBe(false);
    expect(state.ended).toBe(true);
    expect(state.duration).toBeGreaterThan(1);
    expect(state.duration).toBeLessThan(2.5);
  }, 60_000);
});
