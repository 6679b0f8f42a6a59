// Durable JSON files: every write is temp file + fsync + rename + directory fsync, so a crash leaves
// either the old or the new file, never a torn one. Concurrent saves of one file are group-committed.
import { randomBytes } from 'node:crypto';
import { channel } from 'node:diagnostics_channel';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

/** Every durable write is published here ({ path, seconds, error? }) for metrics; no subscriber, no cost. */
export const writeChannel = channel('loopcast:directory-write');

export async function writeFileAtomic(path: string, content: string): Promise<void> {
  if (!writeChannel.hasSubscribers) return writeDurably(path, content);
  const started = performance.now();
  try {
    await writeDurably(path, content);
    writeChannel.publish({ path, seconds: (performance.now() - started) / 1000 });
  } catch (error) {
    writeChannel.publish({ path, seconds: (performance.now() - started) / 1000, error });
    throw error;
  }
}

async function writeDurably(path: string, content: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const file = await open(tmp, 'w', 0o600);
  try {
    await file.writeFile(content, 'utf8');
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  const dirHandle = await open(dir, 'r');
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}

/**
 * Saves a file whose content comes from a snapshot function. A save requested while a write is in
 * flight is folded into one follow-up write that snapshots the newest state, so N concurrent changes
 * cost at most two writes, and each caller resolves only once a write containing its change is durable.
 */
export class DurableFile {
  private inFlight: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(
    readonly path: string,
    private readonly snapshot: () => string,
  ) {}

  save(): Promise<void> {
    if (this.queued) return this.queued;
    if (!this.inFlight) return this.start();
    const previous = this.inFlight;
    this.queued = previous
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.start();
      });
    return this.queued;
  }

  private start(): Promise<void> {
    const write = writeFileAtomic(this.path, this.snapshot());
    const tracked = write.finally(() => {
      if (this.inFlight === tracked) this.inFlight = undefined;
    });
    this.inFlight = tracked;
    return tracked;
  }
}
