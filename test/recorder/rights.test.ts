// Retention with an injected clock, legal hold, erasure and export of one user, and the audit trail.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/directory/audit-log.js';
import { tone } from '../../testkit/signal/index.js';
import { InProcessLoopBus } from '../../src/media/loopbus/index.js';
import { FRAME_SAMPLES, OpusFrameEncoder } from '../../src/media/opus.js';
import { serializeRtp } from '../../src/media/rtp.js';
import { Recorder } from '../../src/recorder/recorder.js';
import { RecordingRights } from '../../src/recorder/rights.js';

const log = pino({ level: 'silent' });
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 11, 10, 12, 0, 0);
const LOOP = 'project/mcc/loop1';
const SCOPE = 'project/mcc';

let dir: string;
let bus: InProcessLoopBus;
let now: number;
let recorder: Recorder;
let audit: AuditLog;
let rights: RecordingRights;
const users: Record<number, { user: string; role: string }> = { 1: { user: 'alice', role: 'flight' }, 2: { user: 'carol', role: 'flight' } };

/** One second of talk by `ssrc` starting at `at`. */
function talk(ssrc: number, at: number): void {
  now = at;
  const enc = new OpusFrameEncoder();
  const h = bus.join(LOOP);
  for (let i = 0; i < 50; i++, now += 20) {
    const pcm = tone({ frequency: 440, dbfs: -12, samples: FRAME_SAMPLES, startSample: i * FRAME_SAMPLES });
    h.send(serializeRtp({ payloadType: 100, sequenceNumber: i, timestamp: i * FRAME_SAMPLES, ssrc, marker: false, payload: enc.encode(pcm) }));
  }
  h.leave();
  now += 2000;
  recorder.flush();
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loopcast-rights-'));
  bus = new InProcessLoopBus();
  now = T0;
  recorder = Recorder.open({ dir: join(dir, 'rec'), bus, log, now: () => now, flushMs: 1_000_000, identify: (s) => users[s] });
  recorder.setLoops([{ key: LOOP, scope: SCOPE, loopId: 'loop1' }]);
  audit = await AuditLog.load(dir);
  rights = new RecordingRights({
    repo: recorder.repo, dir: join(dir, 'rec'), audit, log, now: () => now, defaultRetentionDays: 30,
    scopeOwner: (s) => ({ domain: 'example', project: s.slice(s.indexOf('/') + 1) }),
  });
});
afterEach(async () => {
  recorder.close();
  bus.close();
  await rm(dir, { recursive: true, force: true });
});

const all = () => recorder.repo.search({ loops: [LOOP], fromMs: 0, toMs: T0 + 10 * DAY, limit: 100 });

describe('retention, hold, erasure, export', () => {
  it('purges older files and rows after 1 day but keeps held ones; erasure removes exactly one user; all audited', async () => {
    talk(1, T0 - 3 * DAY); // alice, old
    talk(2, T0 - 2 * DAY); // carol, old but held
    talk(1, T0 - 2 * DAY + 60_000); // alice, old and held
    talk(1, T0 - 3_600_000); // alice, recent
    talk(2, T0 - 1_800_000); // carol, recent
    expect(all().length).toBe(5);
    const files = Object.fromEntries(all().map((t) => [`${t.user}@${t.startMs - T0}`, join(dir, 'rec', t.file)]));

    now = T0;
    await rights.setRetention('admin', SCOPE, 1);
    await rights.addHold('admin', { scope: SCOPE, loop: LOOP, fromMs: T0 - 2 * DAY - 1000, toMs: T0 - 2 * DAY + 120_000, reason: 'incident 42' });
    expect(await rights.purge()).toBe(1);
    expect(all().map((t) => `${t.user}@${t.startMs - T0}`)).toEqual([`carol@${-2 * DAY}`, `alice@${-2 * DAY + 60_000}`, 'alice@-3600000', 'carol@-1800000']);
    expect(existsSync(files[`alice@${-3 * DAY}`]!)).toBe(false);
    expect(existsSync(files[`carol@${-2 * DAY}`]!)).toBe(true);

    // Exactly alice's spurts go; the held one stays as audio under a pseudonym; carol keeps hers.
    const result = await rights.eraseUser('admin', 'alice', new Set([SCOPE]));
    expect(result).toEqual({ erased: 1, pseudonymised: 1, pending: 0 });
    const left = all();
    expect(left.map((t) => t.user).filter((u) => u === 'alice')).toEqual([]);
    expect(left.filter((t) => t.user === 'carol').length).toBe(2);
    const pseudo = left.find((t) => t.pseudonymised);
    expect(pseudo?.user).toMatch(/^erased-[0-9a-f]{12}$/);
    expect(existsSync(files['alice@-3600000']!)).toBe(false);
    expect(existsSync(files[`alice@${-2 * DAY + 60_000}`]!)).toBe(true);

    // Releasing the hold lets the next purge take the old ones.
    await rights.removeHold('admin', recorder.repo.holds(SCOPE)[0]!.id);
    expect(await rights.purge()).toBe(2);

    const exported = await rights.exportUser('auditor', 'carol', new Set([SCOPE]));
    expect(exported.records.length).toBe(1);
    expect(Buffer.from(exported.records[0]!.oggOpusBase64, 'base64').subarray(0, 4).toString()).toBe('OggS');

    const trail = audit.query(() => true, 100).reverse().map((e) => [e.user, e.event, e.project]);
    expect(trail).toEqual([
      ['admin', 'recording_retention', 'mcc'],
      ['admin', 'recording_hold', 'mcc'],
      ['system', 'recording_purge', 'mcc'],
      ['admin', 'recording_erase', 'mcc'],
      ['admin', 'recording_hold_release', 'mcc'],
      ['system', 'recording_purge', 'mcc'],
      ['auditor', 'recording_export', 'mcc'],
    ]);
  });
});
