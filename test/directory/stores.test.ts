import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DurableFile } from '../../src/directory/atomic-file.js';
import { SESSION_LIFETIME_MS, SessionStore } from '../../src/directory/session-store.js';
import { StateStore } from '../../src/directory/state-store.js';

const tmp = () => mkdtemp(join(tmpdir(), 'loopcast-store-'));

describe('DurableFile', () => {
  it('group-commits concurrent saves: every caller resolves with its change on disk, in at most two writes', async () => {
    const dir = await tmp();
    let value = 0;
    let writes = 0;
    const file = new DurableFile(join(dir, 'x.json'), () => {
      writes++;
      return JSON.stringify({ value });
    });
    const saves: Array<Promise<void>> = [];
    for (let i = 1; i <= 20; i++) {
      value = i;
      saves.push(file.save());
    }
    await Promise.all(saves);
    expect(JSON.parse(await readFile(join(dir, 'x.json'), 'utf8'))).toEqual({ value: 20 });
    expect(writes).toBeLessThanOrEqual(2);
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
