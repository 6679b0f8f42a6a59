import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Directory } from '../../src/directory/directory.js';
import { DirectoryLoadError } from '../../src/directory/load-error.js';
import { FIXTURE_DB } from '../support/server.js';

const PROJECT = join('auth', '127.0.0.1', 'mcc@127.0.0.1', 'config.json');

async function fixtureCopy(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'loopcast-load-'));
  await cp(FIXTURE_DB, dir, { recursive: true });
  return dir;
}

/** Set a value at a path inside the fixture project file. */
async function editProject(dir: string, path: string[], value: unknown): Promise<void> {
  const file = join(dir, PROJECT);
  const project = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  let node = project;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[path[path.length - 1] as string] = value;
  await writeFile(file, JSON.stringify(project));
}

async function loadError(dir: string): Promise<DirectoryLoadError> {
  const error = await Directory.load(dir).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(DirectoryLoadError);
  return error as DirectoryLoadError;
}

describe('loading the openvocs directory', () => {
  it('loads the fixture unchanged: domains, projects, users, roles, loops, admins', async () => {
    const directory = await Directory.load(FIXTURE_DB);
    expect(directory.allDomains().map((d) => d.id)).toEqual(['127.0.0.1']);
    const project = directory.project('mcc@127.0.0.1');
    expect(Object.keys(project?.data.loops ?? {})).toEqual(['loop1', 'loop2', 'loop3', 'loop4']);
    expect(directory.findUser('alice')?.scope.id).toBe('mcc@127.0.0.1');
    expect(directory.findUser('admin')?.scope.kind).toBe('domain');
    expect(directory.rolesOfUser('carol').map((r) => r.id)).toEqual(['flight']);
    expect(project && directory.isAdmin('alice', project)).toBe(true);
    expect(project && directory.isAdmin('admin', project)).toBe(true);
    expect(project && directory.isAdmin('bob', project)).toBe(false);
    expect(directory.loopsOfRole(project!, 'ground').map((l) => `${l.loop.id}:${l.permission}`)).toEqual(['loop1:send', 'loop2:recv', 'loop3:send', 'loop4:send']);
  });

  it('names file and JSON path for invalid JSON', async () => {
    const dir = await fixtureCopy();
    await writeFile(join(dir, PROJECT), '{"id": "mcc@127.0.0.1",');
    const error = await loadError(dir);
    expect(error.file).toBe(join(dir, PROJECT));
    expect(error.jsonPath).toBe('$');
    expect(error.message).toContain('invalid JSON');
  });

  it('names file and JSON path for an ill-typed value', async () => {
    const dir = await fixtureCopy();
    await editProject(dir, ['loops', 'loop2', 'multicast', 'port'], 'twenty');
    const error = await loadError(dir);
    expect(error.jsonPath).toBe('$.loops.loop2.multicast.port');
    expect(error.file).toBe(join(dir, PROJECT));
  });

  it('refuses a record whose id differs from its key', async () => {
    const dir = await fixtureCopy();
    await editProject(dir, ['roles', 'flight', 'id'], 'flite');
    expect((await loadError(dir)).jsonPath).toBe('$.roles["flight"].id');
  });

  it('refuses a user id defined twice (login would be ambiguous)', async () => {
    const dir = await fixtureCopy();
    await editProject(dir, ['users', 'admin'], { id: 'admin' });
    const error = await loadError(dir);
    expect(error.jsonPath).toBe('$.users["admin"]');
    expect(error.message).toContain('domain "127.0.0.1"');
  });

  it('refuses a project that names another domain', async () => {
    const dir = await fixtureCopy();
    await editProject(dir, ['domain'], 'elsewhere');
    expect((await loadError(dir)).jsonPath).toBe('$.domain');
  });
});
