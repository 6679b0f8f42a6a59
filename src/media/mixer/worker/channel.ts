// What carries the messages between the plane and a mixer engine off the main thread: a worker thread
// (shares the process: cheap, but a native crash or OOM in the engine takes the whole process down)
// or a child process on the same host (media.mixerIsolation 'process': a crash or SIGKILL loses only
// that engine, whose listeners the plane moves). Both speak the same messages (messages.ts), as does
// an engine on a mixer host over the control plane (remote-channel.ts).
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ToWorker, WorkerMixerOptions } from './messages.js';

export type Isolation = 'thread' | 'process';
/** Where an engine off the main thread runs: a thread, a child process, or another host. */
export type ChannelKind = Isolation | 'remote';

export interface ChannelEvents {
  /** A message from the engine, not checked yet (see validate.ts). */
  message: (msg: unknown) => void;
  /** The engine is gone; undefined error: it stopped on purpose. Called at most once. */
  exit: (err: Error | undefined) => void;
  /** A message that could not even be decoded (network transports); dropped. */
  undecodable?: (error: string) => void;
}

export interface EngineChannel {
  readonly isolation: ChannelKind;
  /** The child's process id (process isolation); undefined for a thread. */
  readonly pid: number | undefined;
  /** Sends a message; `transfer` lists buffers a thread may move instead of copying. */
  send(msg: ToWorker, transfer: ArrayBuffer[]): void;
  /** Stops the engine; resolves once it is gone. */
  stop(): Promise<void>;
}

/** Entries next to this file: the built .js, or from sources a plain-JS shim that registers tsx first. */
const built = !import.meta.url.endsWith('.ts');
const entry = (builtName: string, sourceShim: string): URL => new URL(built ? builtName : sourceShim, import.meta.url);

/** A process that does not exit within this long after its channel closed is killed. */
const STOP_GRACE_MS = 1000;

export function openChannel(isolation: Isolation, options: WorkerMixerOptions, events: ChannelEvents): EngineChannel {
  return isolation === 'process' ? processChannel(options, events) : threadChannel(options, events);
}

function threadChannel(options: WorkerMixerOptions, events: ChannelEvents): EngineChannel {
  const worker = new Worker(entry('./engine-thread.js', './from-sources.js'), { workerData: options });
  let exited = false;
  const exit = (err: Error | undefined): void => {
    if (exited) return;
    exited = true;
    events.exit(err);
  };
  worker.on('message', events.message);
  worker.on('error', exit);
  worker.on('exit', (code) => exit(code === 0 ? undefined : new Error(`mixer worker exited with code ${code}`)));
  return {
    isolation: 'thread',
    pid: undefined,
    send: (msg, transfer) => {
      if (!exited) worker.postMessage(msg, transfer);
    },
    stop: async () => {
      await worker.terminate();
    },
  };
}

function processChannel(options: WorkerMixerOptions, events: ChannelEvents): EngineChannel {
  const child: ChildProcess = fork(fileURLToPath(entry('./engine-process.js', './process-from-sources.js')), [JSON.stringify(options)], {
    serialization: 'advanced',
    // Not the parent's flags (a test runner's or inspector's): the entry brings what it needs.
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let exited = false;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const exit = (err: Error | undefined): void => {
    if (exited) return;
    exited = true;
    events.exit(err);
  };
  child.on('message', events.message);
  child.on('exit', (code, signal) => exit(code === 0 ? undefined : new Error(`mixer process ${child.pid} exited with ${signal ?? `code ${code}`}`)));
  // Spawn failures, and sends on a channel that just closed (the 'exit' follows).
  child.on('error', (err) => {
    if (child.pid === undefined) exit(err);
  });
  return {
    isolation: 'process',
    pid: child.pid,
    send: (msg) => {
      if (!exited && child.connected) child.send(msg, undefined, undefined, () => undefined);
    },
    stop: async () => {
      if (exited || child.exitCode !== null || child.signalCode !== null) return;
      // The child exits when its channel closes; one that does not is killed.
      if (child.connected) child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await gone;
      clearTimeout(timer);
    },
  };
}
