// A test server whose project records some loops, for the keyset's replay and history pages (tests and
// screenshot scripts): a copy of the fixture with `recorded` loops, optional playback roles and a
// recordings folder inside the copy, serving the built keyset.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { FRAME_SAMPLES } from '../../src/media/opus.js';
import { tone } from '../../testkit/signal/index.js';
import { Operator, sleep } from '../support/media-operator.js';
import { copyFixture, startTestServer, type TestServer } from '../support/server.js';
import { KEYSET_DIST } from './harness.js';

export interface RecordedProject {
  /** Loops to record, with optional other fields to set on them (a display name). */
  loops: Record<string, Record<string, unknown>>;
  /** Roles given the playback right. */
  playbackRoles?: string[];
  /** Browser origins besides the server's own that may open the WebSocket (another web client's page). */
  allowedOrigins?: string[];
}

export async function startRecordedServer(setup: RecordedProject): Promise<TestServer> {
  const db = await copyFixture();
  const file = join(db, 'auth', '127.0.0.1', 'mcc@127.0.0.1', 'config.json');
  const project = JSON.parse(await readFile(file, 'utf8')) as { loops: Record<string, object>; roles: Record<string, object> };
  for (const [id, fields] of Object.entries(setup.loops)) project.loops[id] = { ...project.loops[id], ...fields, recorded: true };
  for (const role of setup.playbackRoles ?? []) project.roles[role] = { ...project.roles[role], playback: true };
  await writeFile(file, JSON.stringify(project, null, 2));
  return startTestServer({ db, config: { webRoot: KEYSET_DIST, media: { enabled: true, bindAddress: '127.0.0.1' }, recorder: { dir: join(db, 'recordings') }, ...(setup.allowedOrigins ? { allowedOrigins: setup.allowedOrigins } : {}) } });
}

/** Signs in on the history page (user name and password; the role is chosen by the page). */
export async function loginHistory(page: Page, user: string, password: string): Promise<void> {
  await page.getByLabel('User').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByLabel('Password').press('Enter');
}

/** An operator on `loop` in talk, whose microphone is a tone (not sending until told). */
export async function toneTalker(server: TestServer, user: string, loop: string, frequency: number): Promise<Operator> {
  const op = await Operator.connect(server.apiUrl, user, 'flight', {
    source: (i) => tone({ frequency, dbfs: -12, samples: FRAME_SAMPLES, startSample: i * FRAME_SAMPLES }),
  });
  await op.switch(loop, 'send');
  return op;
}

/** One talk spurt of `ms`. */
export async function talkFor(op: Operator, ms: number): Promise<void> {
  op.media.startSending();
  await sleep(ms);
  op.media.stopSending();
}
