// Durable JSON files: every write is temp file + fsync + rename + directory fsync, so a crash leaves
// either the old or the new file, never a torn one. Group commit and apply-after-write: durable-state.ts.
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
