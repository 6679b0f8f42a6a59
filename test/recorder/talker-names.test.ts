// Who talks, for the talk records (docs/recording.md "Who talks"): this process's own sessions first,
// then the shared talker table; a collision of two talkers on one SSRC is recorded as unknown with a
// warning, never guessed; a spurt that started before its talker's entry arrived is named when it does
// (the race), and an entry never renames a local talker. Pure: the table is an in-memory double.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InProcessLoopBus, type LoopHandle } from '../../src/media/loopbus/index.js';
import { FRAME_SAMPLES } from '../../src/media/opus.js';
import { serializeRtp } from '../../src/media/rtp.js';
import { OPUS_SILENCE_20MS } from '../../src/recorder/ogg/opus-packet.js';
import type { TalkerIdentity } from '../../src/recorder/loop-recorder.js';
import { NAME_LATER_MS, Recorder } from '../../src/recorder/recorder.js';
import { TalkerNames, type TalkerEntries } from '../../src/recorder/talker-names.js';

type Entry = { user: string; role: string; backend: string };

/** The shared table as a map the test fills; tells listeners like the replicated one. */
class MemoryTable implements TalkerEntries {
  readonly rows = new Map<number, Entry[]>();
  private readonly listeners = new Set<(ssrc: number) => void>();
  entries(ssrc: number): Entry[] {
    return this.rows.get(ssrc) ?? [];
  }
  onChange(listener: (ssrc: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  set(ssrc: number, entries: Entry[]): void {
    this.rows.set(ssrc, entries);
    for (const l of this.listeners) l(ssrc);
  }
}

function capturedLog(): { log: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

describe('TalkerNames', () => {
  const local = new Map<number, TalkerIdentity>([[7, { user: 'alice', role: 'flight' }]]);

  it('names a local session first; an entry of the table for the same SSRC never renames it', () => {
    const table = new MemoryTable();
    table.set(7, [{ user: 'mallory', role: 'admin', backend: 'b' }]);
    const names = new TalkerNames({ local: (s) => local.get(s), shared: table, log: pino({ level: 'silent' }) });
    expect(names.identify(7)).toEqual({ user: 'alice', role: 'flight' });
  });

  it('names a talker of another process from the table, and nobody without an entry', () => {
    const table = new MemoryTable();
    table.set(8, [{ user: 'bob', role: 'ground', backend: 'b' }]);
    const names = new TalkerNames({ local: (s) => local.get(s), shared: table, log: pino({ level: 'silent' }) });
    expect(names.identify(8)).toEqual({ user: 'bob', role: 'ground' });
    expect(names.identify(9)).toBeUndefined();
    // The embedded default: no table, only the local lookup.
    expect(new TalkerNames({ local: (s) => local.get(s), log: pino({ level: 'silent' }) }).identify(8)).toBeUndefined();
  });

  it('does not guess between two talkers on one SSRC: unknown, a warning and a count', async () => {
    const table = new MemoryTable();
    table.set(8, [{ user: 'bob', role: 'ground', backend: 'a' }, { user: 'carol', role: 'flight', backend: 'b' }]);
    const { log, lines } = capturedLog();
    const registry = new Registry();
    const names = new TalkerNames({ local: (s) => local.get(s), shared: table, log, registry });
    const named: number[] = [];
    names.onNamed((ssrc) => named.push(ssrc));
    expect(names.identify(8)).toBeUndefined();
    expect(names.collided).toBe(1);
    expect(lines.find((l) => l.msg === 'two sessions talk with the same SSRC: recorded as unknown')).toMatchObject({ level: 40, ssrc: 8, talkers: [{ user: 'bob', backend: 'a' }, { user: 'carol', backend: 'b' }] });
    expect(await registry.getSingleMetricAsString('loopcast_recorder_talker_collisions_total')).toContain('loopcast_recorder_talker_collisions_total 1');
    // A change that still leaves two talkers names nobody; the same talker twice is no collision.
    table.set(8, [...table.entries(8), { user: 'dave', role: 'ground', backend: 'b' }]);
    expect(named).toEqual([]);
    table.set(8, [{ user: 'bob', role: 'ground', backend: 'a' }, { user: 'bob', role: 'ground', backend: 'b' }]);
    expect(names.identify(8)).toEqual({ user: 'bob', role: 'ground' });
    expect(named).toEqual([8]);
  });
});

describe('Recorder naming spurts', () => {
  const T0 = Date.UTC(2026, 11, 1, 10, 0, 0);
  const LOOP = 'project/mcc/loop1';
  let dir: string;
  let bus: InProcessLoopBus;
  let now: number;
  let recorder: Recorder | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loopcast-rec-names-'));
    bus = new InProcessLoopBus();
    now = T0;
  });
  afterEach(async () => {
    recorder?.close();
    recorder = undefined;
    bus.close();
    await rm(dir, { recursive: true, force: true });
  });

  function open(table: MemoryTable, localTalkers = new Map<number, TalkerIdentity>(), maxUnnamed?: number): Recorder {
    const log = pino({ level: 'silent' });
    const names = new TalkerNames({ local: (s) => localTalkers.get(s), shared: table, log });
    const rec = Recorder.open({ dir, bus, log, now: () => now, flushMs: 1_000_000, identify: (s) => names.identify(s), ...(maxUnnamed ? { maxUnnamed } : {}) });
    names.onNamed((ssrc, who) => rec.named(ssrc, who));
    rec.setLoops([{ key: LOOP, scope: 'project/mcc', loopId: 'loop1' }]);
    recorder = rec;
    return rec;
  }

  /** `frames` packets of 20 ms from `ssrc`, the clock advancing with them. */
  function talk(handle: LoopHandle, ssrc: number, frames: number, first = 0): void {
    for (let i = 0; i < frames; i++) {
      handle.send(serializeRtp({ payloadType: 100, sequenceNumber: first + i, timestamp: (first + i) * FRAME_SAMPLES, ssrc, marker: false, payload: OPUS_SILENCE_20MS }));
      now += 20;
    }
  }

  const rows = (rec: Recorder) => rec.repo.search({ loops: [LOOP], fromMs: T0 - 1000, toMs: now + 1000, limit: 50 }).map((r) => [r.ssrc, r.user, r.role, r.open]);

  it('names a spurt that started before its talker entry arrived, open or already closed (the race)', () => {
    const table = new MemoryTable();
    const rec = open(table);
    const handle = bus.join(LOOP);
    // Bob's first spurt ends before his entry arrives, his second is still being recorded when it does.
    talk(handle, 8, 10);
    now += 1500;
    rec.flush();
    talk(handle, 8, 10, 200);
    expect(rows(rec)).toEqual([[8, 'unknown', 'unknown', false], [8, 'unknown', 'unknown', true]]);
    table.set(8, [{ user: 'bob', role: 'ground', backend: 'b' }]);
    expect(rows(rec)).toEqual([[8, 'bob', 'ground', false], [8, 'bob', 'ground', true]]);
    // Named once: a later spurt is named at its start, and an entry changing later renames nothing.
    talk(handle, 8, 10, 400);
    table.set(8, [{ user: 'eve', role: 'ground', backend: 'b' }]);
    now += 1500;
    rec.flush();
    expect(rows(rec)).toEqual([[8, 'bob', 'ground', false], [8, 'bob', 'ground', false], [8, 'bob', 'ground', false]]);
  });

  it('leaves a spurt unknown whose entry comes too late, or for a collision', () => {
    const table = new MemoryTable();
    const rec = open(table);
    const handle = bus.join(LOOP);
    talk(handle, 8, 10);
    talk(handle, 9, 10);
    now += NAME_LATER_MS + 1;
    rec.flush();
    table.set(8, [{ user: 'bob', role: 'ground', backend: 'b' }]);
    table.set(9, [{ user: 'bob', role: 'ground', backend: 'a' }, { user: 'carol', role: 'flight', backend: 'b' }]);
    talk(handle, 9, 10, 100);
    now += 1500;
    rec.flush();
    expect(rows(rec)).toEqual([[8, 'unknown', 'unknown', false], [9, 'unknown', 'unknown', false], [9, 'unknown', 'unknown', false]]);
  });

  it('never renames a local talker from the table, also when the entry arrives during the spurt', () => {
    const table = new MemoryTable();
    const rec = open(table, new Map([[7, { user: 'alice', role: 'flight' }]]));
    const handle = bus.join(LOOP);
    talk(handle, 7, 10);
    table.set(7, [{ user: 'mallory', role: 'admin', backend: 'b' }]);
    now += 1500;
    rec.flush();
    expect(rows(rec)).toEqual([[7, 'alice', 'flight', false]]);
  });

  it('forgets unnamed spurts beyond its bound (an SSRC flood) without failing', () => {
    const table = new MemoryTable();
    const rec = open(table, undefined, 64);
    const handle = bus.join(LOOP);
    // 200 one-packet spurts of different SSRCs, 64 remembered.
    for (let s = 0; s < 200; s++) {
      talk(handle, 1000 + s, 1);
      if (s % 16 === 15) {
        now += 1500;
        rec.flush();
      }
    }
    table.set(1000, [{ user: 'first', role: 'r', backend: 'b' }]);
    table.set(1000 + 199, [{ user: 'last', role: 'r', backend: 'b' }]);
    const named = rec.repo.search({ loops: [LOOP], fromMs: T0 - 1000, toMs: now + 1000, limit: 10_000 }).filter((r) => r.user !== 'unknown');
    expect(named.map((r) => r.user)).toEqual(['last']);
    expect(rec.recording).toBe(true);
  });
});
