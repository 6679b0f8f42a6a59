// After a crash or kill: every talk still marked open gets its end from its file. The file keeps
// its complete, CRC-valid pages (a torn last page is cut off); a file without audio is removed.
import { readFileSync, rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { parsePages } from './ogg/ogg-page.js';
import type { RecordingRepository } from './repository.js';

export interface RecoveryResult {
  recovered: number;
  removed: number;
}

export function recoverOpenTalks(repo: RecordingRepository, dir: string): RecoveryResult {
  const result: RecoveryResult = { recovered: 0, removed: 0 };
  for (const talk of repo.openTalks()) {
    const path = join(dir, talk.file);
    let buf: Buffer;
    try {
      buf = readFileSync(path);
    } catch {
      buf = Buffer.alloc(0);
    }
    const { pages, validBytes } = parsePages(buf);
    // Pages 0 and 1 are OpusHead and OpusTags; the last page's granule is the audio length.
    const audio = pages.slice(2);
    const last = audio.at(-1);
    if (!last || last.granule <= 0n) {
      rmSync(path, { force: true });
      repo.deleteTalk(talk.id);
      result.removed++;
      continue;
    }
    if (validBytes < buf.length) truncateSync(path, validBytes);
    repo.updateTalk(talk.id, talk.startMs + Math.round(Number(last.granule) / 48), validBytes, false);
    result.recovered++;
  }
  return result;
}
