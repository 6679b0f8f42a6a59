// `loopcast import-openvocs <dir>`: validate an openvocs directory (auth/…, state.json) and copy it
// into Loopcast's directory. Loopcast reads the openvocs layout natively, so importing is checking
// everything first (nothing is copied if any file is broken) and then a copy.
import { cp, mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { hasDirectory } from '../directory/demo.js';
import { Directory } from '../directory/directory.js';
import { SessionStore } from '../directory/session-store.js';
import { StateStore } from '../directory/state-store.js';

export interface ImportResult {
  domains: number;
  projects: number;
  users: number;
  roles: number;
  loops: number;
}

export class ImportError extends Error {
  override name = 'ImportError';
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export async function importOpenvocs(source: string, target: string, options: { force: boolean }): Promise<ImportResult> {
  if (!(await exists(join(source, 'auth')))) throw new ImportError(`${source} has no auth/ folder: not an openvocs directory`);
  // Throws a DirectoryLoadError naming file and JSON path; nothing has been written yet.
  const directory = await Directory.load(source);
  await StateStore.load(source);
  if (await hasDirectory(target)) {
    if (!options.force) throw new ImportError(`${target} already holds a directory; pass --force to replace it`);
    await rm(join(target, 'auth'), { recursive: true, force: true });
  }
  await mkdir(target, { recursive: true });
  await cp(join(source, 'auth'), join(target, 'auth'), { recursive: true });
  if (await exists(join(source, 'state.json'))) await cp(join(source, 'state.json'), join(target, 'state.json'));
  // Sessions of another system never carry over; Loopcast starts with none.
  await rm(join(target, 'sessions.json'), { force: true });
  await SessionStore.load(target);
  const result: ImportResult = { domains: 0, projects: 0, users: 0, roles: 0, loops: 0 };
  for (const domain of directory.allDomains()) {
    result.domains++;
    for (const scope of [domain, ...directory.projectsOf(domain.id)]) {
      if (scope.kind === 'project') result.projects++;
      result.users += Object.keys(scope.data.users).length;
      result.roles += Object.keys(scope.data.roles).length;
      result.loops += Object.keys(scope.data.loops).length;
    }
  }
  return result;
}
