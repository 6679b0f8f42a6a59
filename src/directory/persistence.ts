// The directory on disk, in the openvocs layout: `auth/<domain>/config.json`,
// `auth/<domain>/<project>/config.json`. Reading it into a model, durable writes of one scope file,
// atomic creation and removal of scope folders, and cleaning what a crash left behind.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import { readJsonFile } from './json-file.js';
import { DirectoryLoadError } from './load-error.js';
import { DirectoryModel, type Scope, type ScopeData, type ScopeKind } from './model.js';
import { StorageError } from './storage-error.js';
import { keyMismatch, scopeFileSchema } from './validation.js';
import { nullProtoCopy } from './json-tree.js';

export const authDir = (root: string): string => join(root, 'auth');

export function scopeDir(root: string, scope: Pick<Scope, 'kind' | 'id' | 'domainId'>): string {
  return scope.kind === 'domain' ? join(authDir(root), scope.id) : join(authDir(root), scope.domainId, scope.id);
}

export function serializeScope(data: ScopeData): string {
  return `${JSON.stringify(data, null, 2)}\n`;
}

async function subdirectories(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

async function readScope(file: string, kind: ScopeKind, id: string, domainId: string): Promise<Scope> {
  const data = nullProtoCopy(await readJsonFile(file, scopeFileSchema[kind]));
  if (data.id !== id) throw new DirectoryLoadError(file, '$.id', `must equal the folder name "${id}"`);
  if (kind === 'project' && (data as { domain?: unknown }).domain !== domainId) throw new DirectoryLoadError(file, '$.domain', `must be "${domainId}"`);
  const mismatch = keyMismatch(data);
  if (mismatch) throw new DirectoryLoadError(file, `$.${mismatch.collection}[${JSON.stringify(mismatch.key)}].id`, `must equal its key "${mismatch.key}"`);
  return { kind, id, domainId, data };
}

/** Loads every file or throws a DirectoryLoadError: the server never runs on partial data. */
export async function readDirectory(root: string): Promise<DirectoryModel> {
  const model = new DirectoryModel();
  const add = (file: string, scope: Scope): void => {
    const clash = model.conflict(scope, scope.data);
    if (clash) throw new DirectoryLoadError(file, `$.${clash.collection}[${JSON.stringify(clash.id)}]`, `id also used in ${clash.owner.kind} "${clash.owner.id}"`);
    if (scope.kind === 'domain') model.addDomain(scope);
    else model.addProject(scope);
  };
  for (const domainId of await subdirectories(authDir(root))) {
    const domainFile = join(authDir(root), domainId, 'config.json');
    add(domainFile, await readScope(domainFile, 'domain', domainId, domainId));
    for (const projectId of await subdirectories(join(authDir(root), domainId))) {
      const projectFile = join(authDir(root), domainId, projectId, 'config.json');
      if (model.project(projectId)) throw new DirectoryLoadError(projectFile, '$.id', 'project id used twice');
      add(projectFile, await readScope(projectFile, 'project', projectId, domainId));
    }
  }
  return model;
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Durably replaces a scope's file; any failure is a StorageError and leaves the old file. */
export async function writeScope(root: string, scope: Pick<Scope, 'kind' | 'id' | 'domainId'>, data: ScopeData): Promise<void> {
  const file = join(scopeDir(root, scope), 'config.json');
  try {
    await writeFileAtomic(file, serializeScope(data));
  } catch (err) {
    throw new StorageError(file, err);
  }
}

/** Crash leftovers carry the writer's pid: `.<file>.<pid>.<hex>.tmp`, `.new-<id>.<pid>.<hex>`, `.deleted-<id>.<pid>.<hex>`. */
const TEMP_FILE = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/;
const STAGING_DIR = /^\.(?:new|deleted)-.+\.(\d+)\.[0-9a-f]{8}$/;
const leftoverName = (prefix: string, id: string): string => `.${prefix}-${id}.${process.pid}.${randomBytes(4).toString('hex')}`;

/**
 * Creates a scope folder atomically: the file is written durably inside a hidden folder which is
 * then renamed into place, so a crash or a failed write never leaves a folder without config.json
 * (which would stop the next start).
 */
export async function createScope(root: string, scope: Pick<Scope, 'kind' | 'id' | 'domainId'>, data: ScopeData): Promise<void> {
  const target = scopeDir(root, scope);
  const parent = join(target, '..');
  const staging = join(parent, leftoverName('new', scope.id));
  try {
    await mkdir(parent, { recursive: true });
    await writeFileAtomic(join(staging, 'config.json'), serializeScope(data));
    await rename(staging, target);
    await syncDir(parent);
  } catch (err) {
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    throw new StorageError(target, err);
  }
}

/**
 * Removes a scope folder: renamed to a hidden name (skipped on load) and the parent fsynced, then
 * deleted. Returns an error if only the final deletion failed (the scope is gone; the start cleans up).
 */
export async function removeScope(root: string, scope: Scope): Promise<Error | undefined> {
  const dir = scopeDir(root, scope);
  const parent = join(dir, '..');
  const trash = join(parent, leftoverName('deleted', scope.id));
  try {
    await rename(dir, trash);
  } catch (err) {
    throw new StorageError(dir, err);
  }
  try {
    await syncDir(parent);
  } catch (err) {
    // Not durable: put it back so that memory and disk stay equal.
    await rename(trash, dir).catch(() => undefined);
    throw new StorageError(dir, err);
  }
  return rm(trash, { recursive: true, force: true }).then(
    () => undefined,
    (err: Error) => err,
  );
}

function isRunningOtherProcess(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temp files and staging/trash folders left by a crash (in the root, `auth/` and every
 * domain and project folder) unless the process that made them still runs. Returns what it removed.
 */
export async function cleanLeftovers(root: string): Promise<string[]> {
  const removed: string[] = [];
  const clean = async (dir: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      const match = (entry.isDirectory() ? STAGING_DIR : TEMP_FILE).exec(entry.name);
      if (match && !isRunningOtherProcess(Number(match[1]))) {
        await rm(path, { recursive: true, force: true });
        removed.push(path);
      } else if (entry.isDirectory() && !entry.name.startsWith('.') && depth > 0) {
        await clean(path, depth - 1);
      }
    }
  };
  await clean(root, 0);
  await clean(authDir(root), 2);
  return removed;
}
