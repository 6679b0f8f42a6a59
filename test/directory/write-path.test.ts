// The one write path (src/directory/directory.ts): validate → durable → visible. Faults are injected as
// a file where a folder must be (works as root, unlike permissions).
import { cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/directory/audit-log.js';
import { Directory, DirectoryChangeError } from '../../src/directory/directory.js';
import { StorageError } from '../../src/directory/storage-error.js';
import { FIXTURE_DB } from '../support/server.js';

const PROJECT = 'mcc@127.0.0.1';

async function fixture(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'loopcast-write-path-'));
  await cp(FIXTURE_DB, dir, { recursive: true });
  return dir;
}

describe('directory write path', () => {
  it('a failed write changes nothing in memory, tells nobody, and a later write works', async () => {
    const db = await fixture();
    const directory = await Directory.load(db);
    const scope = directory.project(PROJECT);
    if (!scope) throw new Error('fixture project missing');
    const changed: string[] = [];
    directory.on('changed', (s) => changed.push(s.id));
    const folder = join(db, 'auth', '127.0.0.1', PROJECT);
    await rename(folder, `${folder}.away`);
    await writeFile(folder, 'a file where the folder was');
    const failed = await directory.change(scope, (draft) => {
      if (draft.loops.loop1) draft.loops.loop1.name = 'never stored';
    }).then(() => undefined, (err: unknown) => err);
    expect(failed).toBeInstanceOf(StorageError);
    expect(directory.loop(scope, 'loop1')?.name).toBe('LOOP1');
    expect(changed).toEqual([]);
    await rm(folder);
    await rename(`${folder}.away`, folder);
    await directory.change(scope, (draft) => {
      if (draft.loops.loop1) draft.loops.loop1.name = 'stored';
    });
    expect(directory.loop(scope, 'loop1')?.name).toBe('stored');
    expect(changed).toEqual([PROJECT]);
    const onDisk = JSON.parse(await readFile(join(folder, 'config.json'), 'utf8')) as { loops: Record<string, { name: string }> };
    expect(onDisk.loops.loop1?.name).toBe('stored');
  });

  it('refuses invalid drafts before writing, and keeps ids that are Object members as plain data', async () => {
    const db = await fixture();
    const directory = await Directory.load(db);
    const scope = directory.project(PROJECT);
    if (!scope) throw new Error('fixture project missing');
    const refused = await directory.change(scope, (draft) => {
      draft.users.alice = { id: 'not-alice' };
    }).then(() => undefined, (err: unknown) => err);
    expect(refused).toBeInstanceOf(DirectoryChangeError);
    expect(directory.findUser('alice')?.user.id).toBe('alice');
    for (const id of ['constructor', 'toString', 'hasOwnProperty']) {
      expect(directory.findUser(id)).toBeUndefined();
      expect(directory.role(scope, id)).toBeUndefined();
      await directory.change(scope, (draft) => {
        draft.roles[id] = { id, users: { [id]: null } };
      });
      expect(directory.role(scope, id)?.users).toEqual({ [id]: null });
    }
    const reloaded = await Directory.load(db);
    expect(Object.keys(reloaded.project(PROJECT)?.data.roles ?? {})).toEqual(expect.arrayContaining(['constructor', 'toString', 'hasOwnProperty']));
  });

  it('creates a project atomically: a failed creation leaves no folder that would stop the next start', async () => {
    const db = await fixture();
    const directory = await Directory.load(db);
    await writeFile(join(db, 'auth', '127.0.0.1', 'apollo'), 'in the way');
    const failed = await directory.addProject({ id: 'apollo', domain: '127.0.0.1', users: {}, roles: {}, loops: {} }).then(() => undefined, (err: unknown) => err);
    expect(failed).toBeInstanceOf(StorageError);
    expect(directory.project('apollo')).toBeUndefined();
    await rm(join(db, 'auth', '127.0.0.1', 'apollo'));
    expect((await Directory.load(db)).project('apollo')).toBeUndefined();
  });
});

describe('audit log', () => {
  it('an entry becomes visible only once its line is durable', async () => {
    const db = await mkdtemp(join(tmpdir(), 'loopcast-audit-'));
    const log = await AuditLog.load(db);
    await mkdir(join(db, 'audit.jsonl'));
    const entry = { time: new Date(0).toISOString(), user: 'admin', event: 'create', target: null, domain: null, project: null, summary: 'create' };
    expect(await log.append(entry).then(() => undefined, (err: unknown) => err)).toBeInstanceOf(StorageError);
    expect(log.query(() => true, 10)).toEqual([]);
    await rm(join(db, 'audit.jsonl'), { recursive: true });
    await log.append(entry);
    expect(log.query(() => true, 10)).toEqual([entry]);
  });
});
