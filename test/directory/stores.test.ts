import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DurableState } from '../../src/directory/durable-state.js';
import { StorageError } from '../../src/directory/storage-error.js';
import { SESSION_LIFETIME_MS, SessionStore } from '../../src/directory/session-store.js';
import { StateStore } from '../../src/directory/state-store.js';

const tmp = () => mkdtemp(join(tmpdir(), 'loopcast-store-'));

describe('DurableState', () => {
  it('group-commits concurrent updates: every caller resolves with its change on disk, in at most two writes', async () => {
    const dir = await tmp();
    let writes = 0;
    const state = new DurableState(join(dir, 'x.json'), { value: 0 }, {
      copy: (v) => ({ ...v }),
      serialize: (v) => {
        writes++;
        return JSON.stringify(v);
      },
    });
    const updates: Array<Promise<void>> = [];
    for (let i = 1; i <= 20; i++) updates.push(state.update((draft) => (draft.value = i)));
    await Promise.all(updates);
    expect(JSON.parse(await readFile(join(dir, 'x.json'), 'utf8'))).toEqual({ value: 20 });
    expect(state.value).toEqual({ value: 20 });
    expect(writes).toBeLessThanOrEqual(2);
  });

  it('keeps the value equal to the file when a write fails, and rejects with a StorageError', async () => {
    const dir = await tmp();
    const path = join(dir, 'sub', 'x.json');
    const state = new DurableState(path, { value: 0 }, { copy: (v) => ({ ...v }), serialize: (v) => JSON.stringify(v) });
    await state.update((draft) => (draft.value = 1));
    // A file where the folder should be: the write fails (also for root, unlike permissions).
    await rm(join(dir, 'sub'), { recursive: true });
    await writeFile(join(dir, 'sub'), 'not a folder');
    const failed = await state.update((draft) => (draft.value = 2)).then(() => undefined, (err: unknown) => err);
    expect(failed).toBeInstanceOf(StorageError);
    expect(state.value).toEqual({ value: 1 });
    await rm(join(dir, 'sub'));
    await state.update((draft) => (draft.value += 10));
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ value: 11 });
  });
});

describe('SessionStore', () => {
  it('binds sessions to user and client, expires them after 60 min, renews, and survives a reload', async () => {
    const dir = await tmp();
    let now = 1_000_000;
    const store = await SessionStore.load(dir, () => now);
    const id = await store.create('alice', 'tab-1');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(store.find(id, 'alice', 'tab-1')).toBeDefined();
    expect(store.find(id, 'alice', 'tab-2')).toBeUndefined();
    expect(store.find(id, 'bob')).toBeUndefined();
    expect(await readFile(join(dir, 'sessions.json'), 'utf8')).not.toContain(id);

    now += SESSION_LIFETIME_MS - 1000;
    await store.renew(id);
    now += SESSION_LIFETIME_MS - 1000;
    const reloaded = await SessionStore.load(dir, () => now);
    expect(reloaded.find(id, 'alice', 'tab-1')).toBeDefined();
    now += 2000;
    expect(reloaded.find(id, 'alice', 'tab-1')).toBeUndefined();
  });
});

describe('StateStore', () => {
  it('keeps loop state, volume and user data in the openvocs state.json format', async () => {
    const dir = await tmp();
    const store = await StateStore.load(dir);
    expect(store.loopSetting('bob', 'ground', 'loop1')).toEqual({ state: 'none', volume: 50 });
    await store.setLoopState('bob', 'ground', 'loop1', 'recv');
    await store.setLoopVolume('bob', 'ground', 'loop1', 80);
    await store.setUserData('bob', { page: 2 });
    expect(JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'))).toEqual({
      bob: { ground: { loop1: { state: 'recv', volume: 80 } }, data: { page: 2 } },
    });
    const reloaded = await StateStore.load(dir);
    expect(reloaded.loopSetting('bob', 'ground', 'loop1')).toEqual({ state: 'recv', volume: 80 });
    expect(reloaded.userData('bob')).toEqual({ page: 2 });
  });
});
