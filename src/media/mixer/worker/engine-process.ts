// Entry of a mixer engine child process (media.mixerIsolation 'process'): the engine host
// (engine-host.ts) on the IPC channel of child_process.fork (advanced serialization: ArrayBuffers
// pass). It dies with its parent: when the channel closes — the parent stopped it, exited, crashed
// or was SIGKILLed — it exits, so no orphan keeps mixing.
import { hostEngine } from './engine-host.js';
import type { WorkerMixerOptions } from './messages.js';

const send = process.send?.bind(process);
if (!send) {
  console.error('engine-process runs only as a forked child (an IPC channel is needed)');
  process.exit(2);
}
process.title = 'loopcast-mixer';
process.on('disconnect', () => process.exit(0));
// The parent may have gone while this process was still loading (the event was missed then).
if (!process.connected) process.exit(0);

const parsed: unknown = JSON.parse(process.argv[2] ?? '{}');
const options = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as WorkerMixerOptions;
const host = hostEngine(
  options,
  (msg) => {
    // A closed channel reports here instead of throwing; 'disconnect' ends the process.
    if (process.connected) send(msg, undefined, undefined, () => undefined);
  },
  (error) => console.error(`mixer engine process ${process.pid}: message dropped: ${error}`),
);
process.on('message', (msg: unknown) => host.onMessage(msg));
