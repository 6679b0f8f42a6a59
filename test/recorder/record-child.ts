// A process that records one talker (440 Hz, real time) on an in-process loop bus until it is killed.
// Prints `started <epoch ms>` once the first packet is sent, then `t <epoch ms>` every 100 ms.
// With LOOPCAST_RECORDER_KEY set, files are sealed with that key.
import { pino } from 'pino';
import { tone } from '../../testkit/signal/index.js';
import { InProcessLoopBus } from '../../src/media/loopbus/index.js';
import { FRAME_SAMPLES, OpusFrameEncoder } from '../../src/media/opus.js';
import { serializeRtp } from '../../src/media/rtp.js';
import { seqAdd, tsAdd } from '../../src/media/rtp/sequence.js';
import { Recorder } from '../../src/recorder/recorder.js';
import { recordingKeys } from '../../src/recorder/sealed/keys.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: record-child <dir>');
const bus = new InProcessLoopBus();
const keys = recordingKeys(process.env.LOOPCAST_RECORDER_KEY || undefined);
const recorder = Recorder.open({ dir, bus, keys, log: pino({ level: 'silent' }), identify: () => ({ user: 'alice', role: 'flight' }) });
recorder.setLoops([{ key: 'project/mcc/loop1', scope: 'project/mcc', loopId: 'loop1' }]);
const handle = bus.join('project/mcc/loop1');
const enc = new OpusFrameEncoder();
const start = performance.now();
let sent = 0;
process.stdout.write(`started ${Date.now()}\n`);
const step = (): void => {
  // Real-time pacing from the start time: catch up if a timer fired late.
  const due = Math.floor((performance.now() - start) / 20) + 1;
  while (sent < due) {
    const pcm = tone({ frequency: 440, dbfs: -12, samples: FRAME_SAMPLES, startSample: sent * FRAME_SAMPLES });
    handle.send(serializeRtp({ payloadType: 100, sequenceNumber: seqAdd(0, sent), timestamp: tsAdd(0, sent * FRAME_SAMPLES), ssrc: 7, marker: false, payload: enc.encode(pcm) }));
    sent++;
    if (sent % 5 === 0) process.stdout.write(`t ${Date.now()}\n`);
  }
  setTimeout(step, 5);
};
step();
