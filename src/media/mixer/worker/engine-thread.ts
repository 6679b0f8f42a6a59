// Entry of a mixer worker thread: the engine host (engine-host.ts) on the thread's message port.
import { parentPort, workerData } from 'node:worker_threads';
import { hostEngine } from './engine-host.js';
import type { WorkerMixerOptions } from './messages.js';

const port = parentPort;
if (!port) throw new Error('engine-thread runs only as a worker thread');
const host = hostEngine(
  workerData as WorkerMixerOptions,
  (msg, transfer) => port.postMessage(msg, transfer),
  (error) => console.error(`mixer engine thread: message dropped: ${error}`),
);
port.on('message', (msg: unknown) => host.onMessage(msg));
