// The independent Ogg Opus reader for recorder tests: Debian opus-tools' opusdec (libopusfile), not our code.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Decodes an Ogg Opus file to 48 kHz mono samples with opusdec. */
export async function decodeOggOpus(path: string): Promise<Int16Array> {
  const { stdout } = await run('opusdec', ['--quiet', '--rate', '48000', '--no-dither', path, '-'], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
  const copy = Buffer.from(stdout);
  return new Int16Array(copy.buffer, copy.byteOffset, copy.length >> 1);
}
