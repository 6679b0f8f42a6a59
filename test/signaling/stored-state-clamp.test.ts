// A stored loop state the role may no longer use is rewritten in state.json, not only reported lower:
// talk revoked by an admin turns the stored `send` into `recv` for the logged-in user and for one who
// is offline, and a state.json edited while the server was down is reduced at the start.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ProtocolClient } from '../support/protocol-client.js';
import { copyFixture, startTestServer, type TestServer } from '../support/server.js';

type StateFile = Record<string, Record<string, Record<string, { state?: string; volume?: number }>>>;

const readState = async (db: string): Promise<StateFile> => JSON.parse(await readFile(join(db, 'state.json'), 'utf8')) as StateFile;

/** Polls state.json until `check` holds or the deadline passes; returns the last content read. */
async function waitForState(db: string, check: (s: StateFile) => boolean, timeoutMs = 5_000): Promise<StateFile> {
  const deadline = Date.now() + timeoutMs;
  let state = await readState(db);
  while (!check(state) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    state = await readState(db);
  }
  return state;
}

const stored = (s: StateFile, user: string, role: string, loop: string) => s[user]?.[role]?.[loop];

let server: TestServer | undefined;
let db: string | undefined;
const clients: ProtocolClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.stop();
  server = undefined;
  if (db) await rm(db, { recursive: true, force: true });
  db = undefined;
});

async function login(user: string, role?: string): Promise<ProtocolClient> {
  const client = await ProtocolClient.connect(server!.apiUrl);
  clients.push(client);
  await client.loginAs(user, user, role);
  return client;
}

describe('stored loop states follow the permissions', () => {
  it('talk revoked: the stored send becomes recv in state.json, for a logged-in and an offline user', async () => {
    db = await copyFixture();
    server = await startTestServer({ db });
    const bob = await login('bob', 'flight');
    await bob.ok('role_loops');
    await bob.ok('switch_loop_state', { loop: 'loop2', state: 'send' });
    await bob.ok('switch_loop_volume', { loop: 'loop2', volume: 70 });
    bob.close();
    const carol = await login('carol', 'flight');
    await carol.ok('role_loops');
    await carol.ok('switch_loop_state', { loop: 'loop2', state: 'send' });
    expect(stored(await readState(db), 'bob', 'flight', 'loop2')?.state).toBe('send');

    const admin = await login('alice');
    await admin.ok('update_key', { type: 'loop', id: 'loop2', key: 'roles', data: { flight: false, ground: false } });
    await carol.waitFor((m) => m.event === 'loop_state_forced' && m.parameter?.loop === 'loop2', 5_000);

    const state = await waitForState(db, (s) => stored(s, 'bob', 'flight', 'loop2')?.state === 'recv' && stored(s, 'carol', 'flight', 'loop2')?.state === 'recv');
    expect(stored(state, 'bob', 'flight', 'loop2')).toEqual({ state: 'recv', volume: 70 });
    expect(stored(state, 'carol', 'flight', 'loop2')?.state).toBe('recv');
    // What is reported equals what is stored.
    const { loops } = (await carol.ok('role_loops')) as { loops: Record<string, { state: string }> };
    expect(loops.loop2?.state).toBe('recv');

    // Monitor revoked too: the stored state goes to none.
    await admin.ok('update_key', { type: 'loop', id: 'loop2', key: 'roles', data: { ground: false } });
    const off = await waitForState(db, (s) => stored(s, 'bob', 'flight', 'loop2')?.state === 'none');
    expect(stored(off, 'bob', 'flight', 'loop2')).toEqual({ state: 'none', volume: 70 });
  }, 30_000);

  it('a state.json that allows more than the directory is reduced at the start', async () => {
    db = await copyFixture();
    // loop3 is monitor-only for flight; loop1 may be talked on and stays as stored.
    const edited: StateFile = { bob: { flight: { loop3: { state: 'send', volume: 40 }, loop1: { state: 'send', volume: 50 } } } };
    await writeFile(join(db, 'state.json'), JSON.stringify(edited));
    server = await startTestServer({ db });
    const state = await waitForState(db, (s) => stored(s, 'bob', 'flight', 'loop3')?.state === 'recv');
    expect(stored(state, 'bob', 'flight', 'loop3')).toEqual({ state: 'recv', volume: 40 });
    expect(stored(state, 'bob', 'flight', 'loop1')).toEqual({ state: 'send', volume: 50 });
    const bob = await login('bob', 'flight');
    const { loops } = (await bob.ok('role_loops')) as { loops: Record<string, { state: string }> };
    expect(loops.loop3?.state).toBe('recv');
  }, 30_000);
});
