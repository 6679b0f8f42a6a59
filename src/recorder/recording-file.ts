// The one way the recorder reads a spurt file back (serving, mixing, export): plain Ogg Opus as it
// is, a sealed file (sealed/chunks.ts) decrypted to the same Ogg Opus stream. A wrong or missing key,
// a tampered chunk or a closed file cut short is an error — never garbage audio.
import { readFile } from 'node:fs/promises';
import { isSealed, openSealed, SealedRecordingError } from './sealed/chunks.js';
import type { RecordingKeys } from './sealed/keys.js';

/** The Ogg Opus bytes of a file's contents. `open`: the spurt is still being written (no final chunk yet). */
export function recordingPlaintext(buf: Buffer, keys: RecordingKeys, open = false): Buffer {
  if (!isSealed(buf)) return buf;
  const r = openSealed(buf, keys);
  if (!open && (!r.complete || r.torn)) throw new SealedRecordingError('sealed recording is cut short (no final chunk)');
  return r.plain;
}

export async function readRecording(path: string, keys: RecordingKeys, open = false): Promise<Buffer> {
  return recordingPlaintext(await readFile(path), keys, open);
}

export { SealedRecordingError };
