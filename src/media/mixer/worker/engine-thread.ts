// Entry of a mixer worker thread: one MixerEngine driven by the plane's messages (see messages.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { MixerEngine } from '../mixer-engine.js';
import type { MixOutput } from '../types.js';
import { pack, type FromWorker, type MixedReply, type ToWorker, type WorkerMixerOptions } from './messages.js';

const port = parentPort;
if (!port) throw new Error('engine-thread runs only as a worker thread');
const engine = new MixerEngine(workerData as WorkerMixerOptions);

function tick(msg: Extract<ToWorker, { type: 'tick' }>): MixedReply {
  const started = performance.now();
  const bytes = Buffer.from(msg.bytes);
  for (const p of msg.pushes) {
    const payload = bytes.subarray(p.start, p.end);
    engine.push(p.loop, { ssrc: p.ssrc, sequenceNumber: p.sequenceNumber, timestamp: p.timestamp, payload }, p.arrivalMs);
  }
  const { outputs } = engine.tick(msg.nowMs);
  const packed = pack(outputs.map((o: MixOutput) => o.frame));
  return {
    type: 'mixed',
    seq: msg.seq,
    tag: msg.tag,
    outputs: outputs.map((o, i) => {
      const [start, end] = packed.ranges[i] ?? [0, 0];
      return { kind: o.kind, listenerIds: o.listenerIds, talkers: o.talkers, start, end };
    }),
    bytes: packed.bytes,
    idle: engine.idle,
    counters: { ...engine.counters },
    busyMs: performance.now() - started,
  };
}

port.on('message', (msg: ToWorker) => {
  switch (msg.type) {
    case 'setListener':
      engine.setListener(msg.id, { volumes: msg.volumes, ...(msg.ssrc !== undefined ? { ssrc: msg.ssrc } : {}) });
      break;
    case 'setVolume':
      engine.setVolume(msg.id, msg.loop, msg.volume);
      break;
    case 'removeListener':
      engine.removeListener(msg.id);
      break;
    case 'tick': {
      const reply = tick(msg);
      port.postMessage(reply, [reply.bytes]);
      break;
    }
  }
});

port.postMessage({ type: 'ready' } satisfies FromWorker);
