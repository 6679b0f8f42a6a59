// After a crash or kill: every talk still marked open gets its end from its file. The file keeps
// its complete, CRC-valid pages (a torn last page is cut off); a file without audio is removed.
// A sealed file keeps its whole, authentic chunks (a torn last chunk is cut off) and is closed with
// a final chunk. A file no configured key opens, or a tampered one, is left alone (counted): never
// deleted for being unreadable.
import { appendFileSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { parsePages } from './ogg/ogg-page.js';
import type { RecordingRepository } from './repository.js';
import { ChunkSealer, HEADER_BYTES, isSealed, openSealed, type OpenedRecording } from './sealed/chunks.js';
import { NO_KEYS, type RecordingKeys } from './sealed/keys.js';

export interface RecoveryResult {
  recovered: number;
  removed: number;
  /** Sealed files that could not be opened (key not configured, wrong key, tampered); still open. */
  unreadable: number;
}

function readOrEmpty(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch {
    return Buffer.alloc(0);
  }
}

export function recoverOpenTalks(repo: RecordingRepository, dir: string, keys: RecordingKeys = NO_KEYS): RecoveryResult {
  const result: RecoveryResult = { recovered: 0, removed: 0, unreadable: 0 };
  for (const talk of repo.openTalks()) {
    const path = join(dir, talk.file);
    let buf = readOrEmpty(path);
    // A sealed header cut short holds no audio.
    if (isSealed(buf) && buf.length < HEADER_BYTES) buf = Buffer.alloc(0);
    let sealed: OpenedRecording | undefined;
    if (isSealed(buf)) {
      try {
        sealed = openSealed(buf, keys);
      } catch {
        result.unreadable++;
        continue;
      }
    }
    const { pages, validBytes } = parsePages(sealed ? sealed.plain : buf);
    // Pages 0 and 1 are OpusHead and OpusTags; the last page's granule is the audio length.
    const audio = pages.slice(2);
    const last = audio.at(-1);
    if (!last || last.granule <= 0n) {
      rmSync(path, { force: true });
      repo.deleteTalk(talk.id);
      result.removed++;
      continue;
    }
    let bytes = validBytes;
    if (sealed) {
      bytes = sealed.validBytes;
      if (sealed.validBytes < buf.length) truncateSync(path, sealed.validBytes);
      if (!sealed.complete) {
        const final = ChunkSealer.resume(sealed.key, sealed.header, sealed.chunks).seal(Buffer.alloc(0), true);
        appendFileSync(path, final);
        bytes += final.length;
      }
    } else if (validBytes < buf.length) truncateSync(path, validBytes);
    repo.updateTalk(talk.id, talk.startMs + Math.round(Number(last.granule) / 48), bytes, false);
    result.recovered++;
  }
  return result;
}
