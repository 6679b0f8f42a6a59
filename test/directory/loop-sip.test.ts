// A loop's telephony settings in the directory (docs/telephony.md): validated on the write path like
// everything else — a number reaches one loop, call permissions are well-formed and name their loop —
// and a refused change leaves memory and disk as they were.
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Directory, DirectoryChangeError, type Scope } from '../../src/directory/directory.js';
import { FIXTURE_DB } from '../support/server.js';

const PROJECT = 'mcc@127.0.0.1';
let db: string;
let directory: Directory;
let scope: Scope;

beforeEach(async () => {
  db = await mkdtemp(join(tmpdir(), 'loopcast-loop-sip-'));
  await cp(FIXTURE_DB, db, { recursive: true });
  directory = await Directory.load(db);
  const project = directory.project(PROJECT);
  if (!project) throw new Error('fixture project missing');
  scope = project;
});

afterEach(async () => {
  directory.close();
  await rm(db, { recursive: true, force: true });
});

async function refusal(mutate: (loops: Record<string, Record<string, unknown>>) => void): Promise<DirectoryChangeError> {
  const err = await directory.change(scope, (draft) => mutate(draft.loops as unknown as Record<string, Record<string, unknown>>)).then(() => undefined, (e: unknown) => e);
  if (!(err instanceof DirectoryChangeError)) throw new Error(`expected a refusal, got ${String(err)}`);
  return err;
}

it('keeps a number on one loop, across scopes too', async () => {
  await directory.change(scope, (draft) => {
    if (draft.loops.loop1) draft.loops.loop1.sip = { number: '1001' };
  });
  const err = await refusal((loops) => {
    if (loops.loop2) loops.loop2.sip = { number: '1001' };
  });
  expect(err.path).toEqual(['loops', 'loop2', 'sip', 'number']);
  expect(err.problem).toContain('loop1');
  // Another scope cannot take it either.
  const domain = directory.domain('127.0.0.1');
  if (!domain) throw new Error('fixture domain missing');
  const other = await directory.change(domain, (draft) => {
    draft.loops.hall = { id: 'hall', roles: {}, sip: { number: '1001' } };
  }).then(() => undefined, (e: unknown) => e);
  expect(other).toBeInstanceOf(DirectoryChangeError);
  const onDisk = JSON.parse(await readFile(join(db, 'auth', '127.0.0.1', PROJECT, 'config.json'), 'utf8')) as { loops: Record<string, { sip?: unknown }> };
  expect(onDisk.loops.loop2?.sip).toBeUndefined();
});

it('refuses malformed numbers and call permissions, naming the field', async () => {
  const cases: Array<[Record<string, unknown>, Array<string | number>]> = [
    [{ number: 'sip:1001@host' }, ['loops', 'loop1', 'sip', 'number']],
    [{ callout: 'flight' }, ['loops', 'loop1', 'sip', 'callout']],
    [{ whitelist: [{ loop: 'loop1', valid_from: 0, valid_until: 0 }] }, ['loops', 'loop1', 'sip', 'whitelist', 0, 'caller']],
    [{ whitelist: [{ caller: '+49301', loop: 'loop2' }] }, ['loops', 'loop1', 'sip', 'whitelist', 0, 'loop']],
    [{ whitelist: [{ caller: '+49301', loop: 'loop1', valid_from: 10, valid_until: 5 }] }, ['loops', 'loop1', 'sip', 'whitelist', 0, 'valid_until']],
  ];
  for (const [sip, path] of cases) {
    const err = await refusal((loops) => {
      if (loops.loop1) loops.loop1.sip = sip;
    });
    expect(err.path, JSON.stringify(sip)).toEqual(path);
  }
  expect(directory.loop(scope, 'loop1')?.sip).toBeUndefined();
});

it('keeps unknown keys of a loop sip object (openvocs data round-trips)', async () => {
  await directory.change(scope, (draft) => {
    if (draft.loops.loop1) draft.loops.loop1.sip = { number: '1001', roles: { flight: true } };
  });
  expect(directory.loop(scope, 'loop1')?.sip).toEqual({ number: '1001', roles: { flight: true } });
});
