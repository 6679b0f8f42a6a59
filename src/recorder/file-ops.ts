// The file system calls of the recorder, behind an interface so that tests can make the disk full.
// Writes are synchronous (page cache, microseconds); fdatasync runs in the libuv pool so the media
// thread never waits for the disk.
import { closeSync, fdatasync, mkdirSync, openSync, statfsSync, writeSync } from 'node:fs';

export interface FileOps {
  mkdir(dir: string): void;
  /** Creates a new file for appending (fails if it exists). */
  open(path: string): number;
  /** Writes all of buf or throws (ENOSPC, EIO…). */
  write(fd: number, buf: Buffer): void;
  sync(fd: number): Promise<void>;
  close(fd: number): void;
  /** Free bytes for unprivileged writers on the file system holding `dir`. */
  freeBytes(dir: string): number;
}

export const nodeFileOps: FileOps = {
  mkdir: (dir) => {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  },
  open: (path) => openSync(path, 'wx', 0o600),
  write: (fd, buf) => {
    let offset = 0;
    while (offset < buf.length) offset += writeSync(fd, buf, offset, buf.length - offset);
  },
  sync: (fd) =>
    new Promise((resolve, reject) => {
      fdatasync(fd, (err) => (err ? reject(err) : resolve()));
    }),
  close: (fd) => closeSync(fd),
  freeBytes: (dir) => {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  },
};
