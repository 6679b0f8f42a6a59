// Every line the real CLI writes to stdout during a full session at debug level (start, a failed
// login, login, media, loop switches, talk with audio, logout, stop) is JSON with an ISO time and a
// level name, the event trail says who talked on which loop, and no password, session id, password
// hash or session digest appears at any level. Needs dist/ (npm run build).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tone } from '../../testkit/signal/index.js';
import { hashPassword } from '../../src/directory/passwords.js';
import { FRAME_SAMPLES } from '../../src/media/opus.js';
import { Operator, sleep } from '../support/media-operator.js';
import { ProtocolClient } from '../support/protocol-client.js';
import { FIXTURE_DB } from '../support/server.js';

const BIN = fileURLToPath(new URL('../../bin/loopcast.js', import.meta.url));
const PROJECT_CONFIG = 'auth/127.0.0.1/mcc@127.0.0.1/config.json';
const SECRETS = { alice: 'Correct-Horse-alice-7f3a', bob: 'Battery-Staple-bob-91c2' };
const WRONG_PASSWORD = 'Wrong-Guess-e4d1-not-it';
const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);

interface LogLine {
  level: string;
  time: string;
  msg: string;
  [key: string]: unknown;
}

let workDir = '';
afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** Fixture copy where alice and bob have passwords that cannot be mistaken for anything else. */
async function prepareDirectory(db: string): Promise<string[]> {
  await cp(FIXTURE_DB, db, { recursive: true });
  const path = join(db, PROJECT_CONFIG);
  const config = JSON.parse(await readFile(path, 'utf8')) as { users: Record<string, { password: { hash: string; salt: string } }> };
  const hashes: string[] = [];
  for (const user of Object.values(config.users)) hashes.push(user.password.hash, user.password.salt);
  for (const [name, secret] of Object.entries(SECRETS)) {
    const stored = await hashPassword(secret);
    hashes.push(stored.hash, stored.salt);
    (config.users[name] as { password: unknown }).password = stored;
  }
  await writeFile(path, JSON.stringify(config, null, 2));
  return hashes;
}

describe('logs of a full session through the real CLI', () => {
  it('are JSON lines with level names, carry the talk trail, and never a secret', async () => {
    workDir = await mkdtemp(join(tmpdir(), 'loopcast-logs-'));
    const db = join(workDir, 'db');
    const hashes = await prepareDirectory(db);
    const configFile = join(workDir, 'loopcast.json');
    await writeFile(configFile, JSON.stringify({ host: '127.0.0.1', port: 0, media: { bindAddress: '127.0.0.1' } }));
    const child = spawn(process.execPath, [BIN, 'start', '-c', configFile, '--db', db, '--data-dir', workDir, '--no-demo', '--log-level', 'debug'], {
      env: { ...process.env, LOOPCAST_LOG_LEVEL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    const sessions: string[] = [];
    // Session ids are captured where the test clients receive them (login replies).
    // eslint-disable-next-line @typescript-eslint/unbound-method -- restored below, always called with apply(this)
    const loginAs = ProtocolClient.prototype.loginAs;
    ProtocolClient.prototype.loginAs = async function (this: ProtocolClient, ...args: Parameters<typeof loginAs>) {
      const session = await loginAs.apply(this, args);
      sessions.push(session);
      return session;
    };
    try {
      const deadline = Date.now() + 20_000;
      let port: number | undefined;
      while (port === undefined) {
        if (Date.now() > deadline) throw new Error(`server did not start: ${stderr}`);
        port = Number(/"port":(\d+)/.exec(stdout)?.[1]) || undefined;
        await sleep(100);
      }
      const api = `wss://127.0.0.1:${port}/api`;

      const intruder = await ProtocolClient.connect(api);
      await expect(intruder.loginAs('alice', WRONG_PASSWORD)).rejects.toThrow();
      intruder.close();

      const source = (index: number) => tone({ frequency: 440, dbfs: -12, samples: FRAME_SAMPLES, startSample: index * FRAME_SAMPLES });
      const alice = await Operator.connect(api, 'alice', 'flight', { source }, SECRETS.alice);
      const bob = await Operator.connect(api, 'bob', 'ground', {}, SECRETS.bob);
      await bob.switch('loop1', 'recv');
      await alice.switch('loop1', 'send');
      await alice.talk('loop1', true);
      alice.media.startSending();
      await sleep(1000);
      alice.media.stopSending();
      await alice.talk('loop1', false);
      for (const op of [alice, bob]) {
        await op.signaling.ok('logout');
        op.media.close();
      }
      await sleep(300);
    } finally {
      ProtocolClient.prototype.loginAs = loginAs;
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);

    const lines = stdout.split('\n').filter((l) => l !== '');
    const parsed = lines.map((line): LogLine => {
      try {
        return JSON.parse(line) as LogLine;
      } catch {
        throw new Error(`stdout line is not JSON: ${line}`);
      }
    });
    for (const line of parsed) {
      expect(LEVELS.has(line.level), `level ${String(line.level)}`).toBe(true);
      expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    const messages = parsed.map((l) => l.msg);
    // The per-session lifecycle at debug level, a warning for the refused login, the event trail.
    expect(messages).toEqual(expect.arrayContaining(['loopcast listening', 'logged in', 'role authorized', 'media requested', 'media ready', 'logged out', 'socket closed']));
    expect(parsed.find((l) => l.msg === 'login failed')?.level).toBe('warn');
    const talk = parsed.filter((l) => l.trail === 'talk');
    expect(talk.map((l) => [l.user, l.role, l.loop, l.talking])).toEqual([
      ['alice', 'flight', 'loop1', true],
      ['alice', 'flight', 'loop1', false],
    ]);
    expect(parsed.filter((l) => l.trail === 'loop' && l.user === 'alice').map((l) => [l.loop, l.from, l.to])).toEqual([
      ['loop1', 'none', 'send'],
      ['loop1', 'send', 'none'],
    ]);

    // No secret at any level, in any form.
    // sessions.json keeps SHA-256 digests of session ids (src/directory/session-store.ts).
    const digests = sessions.map((id) => createHash('sha256').update(id).digest('hex'));
    expect(sessions.length).toBe(2);
    for (const secret of [...Object.values(SECRETS), WRONG_PASSWORD, ...sessions, ...hashes, ...digests]) {
      expect(stdout.includes(secret), `secret in the log: ${secret.slice(0, 6)}…`).toBe(false);
    }
  }, 60_000);
});
