// Directory write latency and failures, from the channel every durable write publishes on
// (src/directory/atomic-file.ts). The file label is the kind of file, never a path or a name.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { basename } from 'node:path';
import type { Logger } from 'pino';
import type { Metrics } from './registry.js';

const CHANNEL = 'loopcast:directory-write';

interface WriteMessage {
  path: string;
  seconds: number;
  error?: unknown;
}

function isWriteMessage(m: unknown): m is WriteMessage {
  return typeof m === 'object' && m !== null && typeof (m as WriteMessage).path === 'string' && typeof (m as WriteMessage).seconds === 'number';
}

/** config (domain and project files), state, sessions, or other (certificates, demo set-up). */
export function fileKind(path: string): string {
  const name = basename(path);
  if (name === 'config.json') return 'config';
  if (name === 'state.json') return 'state';
  if (name === 'sessions.json') return 'sessions';
  return 'other';
}

/** Starts counting; returns the function that stops it (a process may run several servers in tests). */
export function observeDirectoryWrites(metrics: Metrics, log: Logger): () => void {
  const onWrite = (message: unknown): void => {
    if (!isWriteMessage(message)) return;
    const file = fileKind(message.path);
    metrics.directoryWrites.observe({ file }, message.seconds);
    if (message.error !== undefined) {
      metrics.directoryWriteFailures.inc({ file });
      log.error({ file, err: message.error }, 'directory write failed');
    }
  };
  subscribe(CHANNEL, onWrite);
  return () => unsubscribe(CHANNEL, onWrite);
}
