// The recorder as a loop bus listener, driven with an injected clock: files per talker and spurt,
// decoded by opusdec (independent reader), and talk records that say who talked when.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dominantFrequency, levelAt, rmsDbfs, tone } from '../../testkit/signal/index.js';
import { InProcessLoopBus, type LoopHandle } from '../../src/media/loopbus/index.js';
import { FRAME_SAMPLES, OpusFrameEncoder } from '../../src/media/opus.js';
import { serializeRtp } from '../../src/media/rtp.js';
import { seqAdd, tsAdd } from '../../src/media/rtp/sequence.js';
import { nodeFileOps, type FileOps } from '../../src/recorder/file-ops.js';
import { OPUS_SILENCE_20MS } from '../../src/recorder/ogg/opus-packet.js';
import { Recorder } from '../../src/recorder/recorder.js';
import { decodeOggOpus } from './opusdec.js';

const log = pino({ level: 'silent' });
const T0 = Date.UTC(2026, 11, 1, 10, 0, 0);

class Talker {
  private readonly enc = new OpusFrameEncoder();
  private seq = 0;
  private ts = 1000;
  private frame = 0;
  constructor(readonly handle: LoopHandle, readonly ssrc: number, readonly frequency: number) {}
  /** One 20 ms packet; `gapFrames` skips timestamps as DTX would. */
  send(gapFrames = 0): void {
    this.ts = tsAdd(this.ts, gapFrames * FRAME_SAMPLES);
    const pcm = tone({ frequency: this.frequency, dbfs: -12, samples: FRAME_SAMPLES, startSample: this.frame++ * FRAME_SAMPLES });
    this.handle.send(serializeRtp({ payloadType: 100, sequenceNumber: seqAdd(0, this.seq++), timestamp: this.ts, ssrc: this.ssrc, marker: false, payload: this.enc.encode(pcm) }));
    this.ts = tsAdd(this.ts, FRAME_SAMPLES);
  }
}

let dir: string;
let bus: InProcessLoopBus;
let now: number;
let recorder: Recorder | undefined;

function open(ops?: FileOps): Recorder {
  recorder = Recorder.open({
    dir, bus, log, now: () => now, flushMs: 1_000_000, ...(ops ? { ops, retryMs: 50, minFreeBytes: 0 } : {}),
    identify: (ssrc) => ({ 11: { user: 'alice', role: 'flight' }, 22: { user: 'carol', role: 'flight' } })[ssrc],
  });
  recorder.setLoops([
    { key: 'project/mcc/loop1', scope: 'project/mcc', loopId: 'loop1' },
    { key: 'project/mcc/loop2', scope: 'project/mcc', loopId: 'loop2' },
  ]);
  return recorder;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loopcast-rec-'));
  bus = new InProcessLoopBus();
  now = T0;
});
afterEach(async () => {
  recorder?.close();
  recorder = undefined;
  bus.close();
  await rm(dir, { recursive: true, force: true });
});

describe('Recorder', () => {
  it('records 440 Hz on loop1 and 660 Hz on loop2, overlapping, as per-talker files with matching talk records', async () => {
    const rec = open();
    const alice = new Talker(bus.join('project/mcc/loop1'), 11, 440);
    const carol = new Talker(bus.join('project/mcc/loop2'), 22, 660);
    // alice 0..3 s, carol 2..4 s: one second of overlap.
    for (let i = 0; i < 200; i++) {
      if (i < 150) alice.send();
      if (i >= 100) carol.send();
      now += 20;
      if (i % 25 === 0) rec.flush();
    }
    now += 1500;
    rec.flush();
    const rows = rec.repo.search({ loops: ['project/mcc/loop1', 'project/mcc/loop2'], fromMs: T0, toMs: T0 + 10_000, limit: 50 });
    expect(rows.map((r) => [r.loop, r.user, r.role, r.startMs - T0, r.endMs - T0, r.open])).toEqual([
      ['project/mcc/loop1', 'alice', 'flight', 0, 3000, false],
      ['project/mcc/loop2', 'carol', 'flight', 2000, 4000, false],
    ]);
    const [a, c] = await Promise.all(rows.map((r) => decodeOggOpus(join(dir, r.file))));
    expect(Math.abs(a!.length / 48 - 3000)).toBeLessThanOrEqual(20);
    expect(Math.abs(c!.length / 48 - 2000)).toBeLessThanOrEqual(20);
    expect(Math.abs(dominantFrequency(a!.subarray(48 * 100, 48 * 2900)) - 440)).toBeLessThanOrEqual(10);
    expect(Math.abs(dominantFrequency(c!.subarray(48 * 100, 48 * 1900)) - 660)).toBeLessThanOrEqual(10);
    // The overlap (2..3 s wall clock) is in both files, each with only its own voice.
    const overlapA = a!.subarray(48 * 2050, 48 * 2950);
    const overlapC = c!.subarray(48 * 50, 48 * 950);
    expect(levelAt(overlapA, 440)).toBeGreaterThan(-20);
    expect(levelAt(overlapC, 660)).toBeGreaterThan(-20);
    expect(levelAt(overlapA, 660)).toBeLessThan(-50);
    expect(levelAt(overlapC, 440)).toBeLessThan(-50);
  });

  it('fills short gaps with silence (file time = talk time) and starts a new spurt after a long one', async () => {
    const rec = open();
    const alice = new Talker(bus.join('project/mcc/loop1'), 11, 440);
    for (let i = 0; i < 50; i++, now += 20) alice.send();
    // 0.4 s DTX gap, then 1 s more, then a 5 s pause (a new spurt).
    now += 400;
    alice.send(20);
    now += 20;
    for (let i = 0; i < 49; i++, now += 20) alice.send();
    now += 5000;
    for (let i = 0; i < 25; i++, now += 20) alice.send(i === 0 ? 250 : 0);
    now += 2000;
    rec.flush();
    const rows = rec.repo.search({ loops: ['project/mcc/loop1'], fromMs: T0, toMs: T0 + 60_000, limit: 50 });
    expect(rows.map((r) => [r.startMs - T0, r.endMs - T0])).toEqual([[0, 2400], [7400, 7900]]);
    const first = await decodeOggOpus(join(dir, rows[0]!.file));
    expect(rmsDbfs(first.subarray(48 * 1050, 48 * 1350))).toBeLessThan(-50);
    expect(levelAt(first.subarray(48 * 1450, 48 * 2350), 440)).toBeGreaterThan(-20);
  });

  it('stops cleanly on a full disk, keeps what was written, and resumes when space is back', async () => {
    let full = false;
    const ops: FileOps = {
      ...nodeFileOps,
      write: (fd, buf) => {
        if (full) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        nodeFileOps.write(fd, buf);
      },
      freeBytes: () => (full ? 0 : 1e9),
    };
    const rec = open(ops);
    const alice = new Talker(bus.join('project/mcc/loop1'), 11, 440);
    for (let i = 0; i < 60; i++, now += 20) alice.send();
    rec.flush();
    full = true;
    for (let i = 0; i < 60; i++, now += 20) alice.send();
    expect(rec.recording).toBe(false);
    // The bus keeps working for everyone else: a listener still hears alice.
    const other = bus.join('project/mcc/loop1');
    let heard = 0;
    other.on('packet', () => heard++);
    alice.send();
    expect(heard).toBe(1);
    full = false;
    const deadline = Date.now() + 5000;
    while (!rec.recording && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(rec.recording).toBe(true);
    now += 5000;
    for (let i = 0; i < 30; i++, now += 20) alice.send();
    now += 2000;
    rec.flush();
    const rows = rec.repo.search({ loops: ['project/mcc/loop1'], fromMs: T0, toMs: T0 + 60_000, limit: 50 });
    expect(rows.length).toBe(2);
    const kept = await decodeOggOpus(join(dir, rows[0]!.file));
    expect(kept.length / 48).toBeGreaterThanOrEqual(1000);
    expect(Math.abs(dominantFrequency(kept.subarray(0, 48 * 1000)) - 440)).toBeLessThanOrEqual(10);
  });
});

describe('Recorder under a flood of talkers', () => {
  it('records at most 16 simultaneous talkers per loop and drops the rest', () => {
    const rec = open();
    const h = bus.join('project/mcc/loop1');
    // 500 distinct SSRCs, one packet each, as a hostile sender on the multicast LAN could.
    for (let ssrc = 1000; ssrc < 1500; ssrc++) {
      h.send(serializeRtp({ payloadType: 100, sequenceNumber: 0, timestamp: 0, ssrc, marker: false, payload: OPUS_SILENCE_20MS }));
    }
    expect(rec.loop('project/mcc/loop1')?.openSpurts).toBe(16);
    now += 2000;
    rec.flush();
    expect(rec.repo.search({ loops: ['project/mcc/loop1'], fromMs: 0, toMs: now, limit: 1000 }).length).toBe(16);
  });
});
