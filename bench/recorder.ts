// Recorder cost: 24 recorded loops, 6 simultaneous talkers (one per loop, continuous speech), packets
// written as they arrive (never decoded). Run: node --import tsx bench/recorder.ts [seconds=10]
//  1. simulated time (injected clock, as fast as possible): CPU µs per recorded packet, flushes included;
//  2. real time for `seconds`: process CPU with the recorder on the bus minus the same traffic without
//     it, as % of one core; and the disk rate per talker (file bytes / talk time).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { tone } from '../testkit/signal/index.js';
import { InProcessLoopBus, type LoopHandle } from '../src/media/loopbus/index.js';
import { FRAME_SAMPLES, OpusFrameEncoder } from '../src/media/opus.js';
import { serializeRtp } from '../src/media/rtp.js';
import { Recorder } from '../src/recorder/recorder.js';

const LOOPS = 24;
const TALKERS = 6;
const SECONDS = Number(process.argv[2] ?? 10);
const log = pino({ level: 'silent' });
const loops = Array.from({ length: LOOPS }, (_, i) => ({ key: `project/bench/loop${i}`, scope: 'project/bench', loopId: `loop${i}` }));

/** 50 pre-encoded 20 ms frames per talker (32 kbit/s, the edge's default), replayed in a cycle. */
const frames = Array.from({ length: TALKERS }, (_, t) => {
  const enc = new OpusFrameEncoder();
  return Array.from({ length: 50 }, (_, i) => enc.encode(tone({ frequency: 200 + 150 * t, dbfs: -18, samples: FRAME_SAMPLES, startSample: i * FRAME_SAMPLES })));
});

function senders(bus: InProcessLoopBus): { handles: LoopHandle[]; round: (n: number) => void } {
  const handles = Array.from({ length: TALKERS }, (_, t) => bus.join(`project/bench/loop${t}`));
  // Pre-serialized packets: the sender's own cost stays out of the measurement as far as possible.
  const packets = frames.map((list, t) => list.map((payload) => ({ payload, t })));
  return {
    handles,
    round: (n) => {
      for (let t = 0; t < TALKERS; t++) {
        const p = packets[t]![n % 50]!;
        handles[t]!.send(serializeRtp({ payloadType: 100, sequenceNumber: n & 0xffff, timestamp: (n * FRAME_SAMPLES) >>> 0, ssrc: 1000 + t, marker: false, payload: p.payload }));
      }
    },
  };
}

function simulated(rounds: number): { usPerPacket: number } {
  const dir = mkdtempSync(join(tmpdir(), 'loopcast-bench-rec-'));
  const bus = new InProcessLoopBus();
  let now = Date.now();
  const rec = Recorder.open({ dir, bus, log, now: () => now, flushMs: 1_000_000, identify: () => ({ user: 'u', role: 'r' }) });
  rec.setLoops(loops);
  const s = senders(bus);
  // The same sends without the recorder, to subtract the sender's own cost.
  const bare = new InProcessLoopBus();
  const b = senders(bare);
  const t0 = process.cpuUsage();
  for (let n = 0; n < rounds; n++) b.round(n);
  const baseline = process.cpuUsage(t0);
  const t1 = process.cpuUsage();
  for (let n = 0; n < rounds; n++) {
    s.round(n);
    now += 20;
    if (n % 25 === 24) rec.flush();
  }
  rec.flush();
  const used = process.cpuUsage(t1);
  rec.close();
  bus.close();
  bare.close();
  rmSync(dir, { recursive: true, force: true });
  const us = used.user + used.system - (baseline.user + baseline.system);
  return { usPerPacket: us / (rounds * TALKERS) };
}

async function realTime(seconds: number, withRecorder: boolean): Promise<{ cpuPercent: number; bytesPerTalkerPerSecond: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'loopcast-bench-rec-'));
  const bus = new InProcessLoopBus();
  const rec = Recorder.open({ dir, bus, log, identify: () => ({ user: 'u', role: 'r' }) });
  rec.setLoops(withRecorder ? loops : []);
  const s = senders(bus);
  const total = seconds * 50;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  let n = 0;
  await new Promise<void>((resolve) => {
    const step = () => {
      const due = Math.min(total, Math.floor((performance.now() - start) / 20) + 1);
      while (n < due) s.round(n++);
      if (n >= total) resolve();
      else setTimeout(step, Math.max(0, start + n * 20 - performance.now()));
    };
    step();
  });
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - start;
  rec.flush();
  rec.close();
  let bytes = 0;
  if (withRecorder) {
    const probe = Recorder.open({ dir, bus: new InProcessLoopBus(), log, identify: () => undefined });
    for (const t of probe.repo.search({ loops: loops.map((l) => l.key), fromMs: 0, toMs: Date.now() + 1000, limit: 1000 })) bytes += t.bytes;
    probe.close();
  }
  bus.close();
  rmSync(dir, { recursive: true, force: true });
  return { cpuPercent: ((cpu.user + cpu.system) / 1000 / wall) * 100, bytesPerTalkerPerSecond: bytes / TALKERS / (wall / 1000) };
}

const sim = simulated(3000);
const packetsPerSecond = TALKERS * 50;
console.log(`simulated: ${sim.usPerPacket.toFixed(2)} µs CPU per recorded packet → ${((sim.usPerPacket * packetsPerSecond) / 1e4).toFixed(3)} % of a core at ${packetsPerSecond} packets/s`);
const without = await realTime(SECONDS, false);
const withRec = await realTime(SECONDS, true);
console.log(`real time ${SECONDS} s: process CPU ${withRec.cpuPercent.toFixed(2)} % with recorder, ${without.cpuPercent.toFixed(2)} % without → recorder ${(withRec.cpuPercent - without.cpuPercent).toFixed(2)} % of a core`);
console.log(`disk rate per talker: ${(withRec.bytesPerTalkerPerSecond / 1024).toFixed(2)} KiB/s (${((withRec.bytesPerTalkerPerSecond * 8) / 1000).toFixed(1)} kbit/s, ${((withRec.bytesPerTalkerPerSecond * 3600) / 1024 / 1024).toFixed(1)} MiB per talk hour)`);
