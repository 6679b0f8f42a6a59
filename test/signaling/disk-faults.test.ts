// Refused means not applied (docs/operations.md "Files"): with the directory unwritable (a non-root
// server on a read-only folder) or full (a tiny tmpfs), every kind of write is answered with error
// 1000 `storageFailed`, memory stays equal to disk, nobody else is told, and after the fault is gone and
// the server restarted, nothing refused is present and everything acknowledged is.
import { execFile } from 'node:child_process';
import { chown, cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RawSocket, type ReplyFrame } from '../support/fuzz-tools.js';
import { cleanupChildren, ensureBuilt, killHard, makeTempDir, spawnLoopcast, type ChildServer } from '../support/kill-server.js';
import { FIXTURE_DB } from '../support/server.js';

const run = promisify(execFile);
const NOBODY = { uid: 65534, gid: 65534 };
const PROJECT = { type: 'project', id: 'mcc@127.0.0.1' };
const DOMAIN = '127.0.0.1';

let serial = 0;
async function request(socket: RawSocket, event: string, parameter: Record<string, unknown> = {}): Promise<ReplyFrame> {
  for (let attempt = 0; ; attempt++) {
    const reply = await socket.request(event, parameter, `${event}-${serial++}`);
    if (reply.error?.code !== 50000 || attempt > 50) return reply;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function ok(socket: RawSocket, event: string, parameter: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const reply = await request(socket, event, parameter);
  if (reply.error) throw new Error(`${event} failed: ${reply.error.code} ${reply.error.description}`);
  return reply.response;
}

async function login(server: ChildServer, user: string, role?: string): Promise<RawSocket> {
  const socket = await RawSocket.connect(server.apiUrl);
  await ok(socket, 'login', { user, password: user });
  if (role) await ok(socket, 'authorize', { role });
  return socket;
}

/** Every kind of write the server stores; each must be refused while the disk fails. */
function writes(tag: string): Array<{ who: 'admin' | 'alice'; event: string; parameter: Record<string, unknown> }> {
  return [
    { who: 'admin', event: 'create', parameter: { type: 'user', id: `u-${tag}`, scope: PROJECT } },
    { who: 'admin', event: 'create', parameter: { type: 'role', id: `r-${tag}`, scope: PROJECT } },
    { who: 'admin', event: 'create', parameter: { type: 'loop', id: `l-${tag}`, scope: PROJECT } },
    { who: 'admin', event: 'create', parameter: { type: 'project', id: `p-${tag}`, scope: { type: 'domain', id: DOMAIN } } },
    { who: 'admin', event: 'update', parameter: { type: 'loop', id: 'loop1', data: { name: `name-${tag}` } } },
    { who: 'admin', event: 'update_key', parameter: { type: 'loop', id: 'loop2', key: 'name', data: `name-${tag}` } },
    { who: 'admin', event: 'delete_key', parameter: { type: 'role', id: 'flight', key: 'layout' } },
    { who: 'admin', event: 'delete', parameter: { type: 'loop', id: 'loop4' } },
    { who: 'admin', event: 'delete', parameter: { type: 'user', id: 'carol' } },
    { who: 'admin', event: 'update_password', parameter: { user: 'bob', password: `password-${tag}` } },
    { who: 'admin', event: 'set_layout', parameter: { role: 'ground', layout: { loop1: [{ page: 9, row: 9, column: 9 }] } } },
    { who: 'admin', event: 'add_project_admin', parameter: { project: PROJECT.id, user: 'bob' } },
    { who: 'admin', event: 'set_keyset_layout', parameter: { domain: DOMAIN, name: `k-${tag}`, layout: { tag } } },
    { who: 'admin', event: 'save', parameter: {} },
    { who: 'alice', event: 'switch_loop_state', parameter: { loop: 'loop3', state: 'recv' } },
    { who: 'alice', event: 'switch_loop_volume', parameter: { loop: 'loop1', volume: 7 } },
    { who: 'alice', event: 'set_user_data', parameter: { tag } },
  ];
}

/** What the server shows of everything the writes above touch. */
async function snapshot(server: ChildServer): Promise<Record<string, unknown>> {
  const admin = await login(server, 'admin');
  const alice = await login(server, 'alice', 'flight');
  try {
    const out: Record<string, unknown> = {};
    for (const [type, id] of [['loop', 'loop1'], ['loop', 'loop2'], ['loop', 'loop4'], ['role', 'flight'], ['role', 'ground'], ['user', 'carol'], ['project', PROJECT.id]] as const) {
      const reply = await request(admin, 'get', { type, id });
      out[`${type}/${id}`] = reply.error ? `error ${reply.error.code}` : reply.response.result;
    }
    for (const kind of ['user', 'role', 'loop', 'project'] as const) out[`exists/${kind}`] = (await ok(admin, 'check_id_exists', { id: `${kind[0]}-refused`, scope: kind })).result;
    out.keyset = (await ok(admin, 'get_keyset_layout', { domain: DOMAIN, layout: 'k-refused' })).layout;
    out.loops = (await ok(alice, 'role_loops')).loops;
    out.data = (await ok(alice, 'get_user_data')).data;
    out.audit = ((await ok(admin, 'admin_audit', {})).entries as Array<{ summary: string }>).map((e) => e.summary).filter((s) => s.includes('refused'));
    return out;
  } finally {
    admin.close();
    alice.close();
  }
}

interface Fault {
  name: string;
  /** Prepare a db folder the fault can hit; returns it. */
  prepare(): Promise<string>;
  start(db: string): Promise<void>;
  end(db: string): Promise<void>;
}

const mounts: string[] = [];

const readOnly: Fault = {
  name: 'read-only directory (server runs as nobody)',
  async prepare() {
    const db = await makeTempDir('loopcast-ro-db-');
    await cp(FIXTURE_DB, db, { recursive: true });
    await run('chown', ['-R', `${NOBODY.uid}:${NOBODY.gid}`, db]);
    return db;
  },
  start: async (db) => void (await run('chmod', ['-R', 'a-w', db])),
  end: async (db) => void (await run('chmod', ['-R', 'u+w', db])),
};

const fullDisk: Fault = {
  name: 'full disk (256 KiB tmpfs)',
  async prepare() {
    const mount = await makeTempDir('loopcast-full-');
    await run('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0777', 'tmpfs', mount]);
    mounts.push(mount);
    const db = join(mount, 'db');
    await cp(FIXTURE_DB, db, { recursive: true });
    await run('chown', ['-R', `${NOBODY.uid}:${NOBODY.gid}`, db]);
    return db;
  },
  async start(db) {
    // Fill every free block: the next write fails with ENOSPC.
    const filler = join(db, '..', 'filler');
    await writeFile(filler, Buffer.alloc(512 * 1024)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOSPC') throw err;
    });
  },
  end: (db) => rm(join(db, '..', 'filler'), { force: true }),
};

async function leftoverNames(db: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) out.push(entry.name);
      else if (entry.isDirectory()) await walk(join(dir, entry.name));
    }
  };
  await walk(db);
  return out;
}

beforeAll(async () => {
  await ensureBuilt();
}, 120_000);

/** Servers to stop before a tmpfs can be unmounted. */
const running: ChildServer[] = [];

afterEach(async () => {
  for (const server of running.splice(0)) await killHard(server);
  for (const mount of mounts.splice(0)) await run('umount', [mount]);
  await cleanupChildren();
});

describe.each([readOnly, fullDisk])('refused means not applied: $name', (fault) => {
  it('answers storageFailed to every write, tells nobody, and keeps memory equal to disk across a restart', { timeout: 120_000 }, async () => {
    const db = await fault.prepare();
    const dataDir = await makeTempDir('loopcast-fault-data-');
    await chown(dataDir, NOBODY.uid, NOBODY.gid);
    let server = await spawnLoopcast({ db, dataDir, user: NOBODY });
    running.push(server);

    // Acknowledged before the fault.
    const admin = await login(server, 'admin');
    const alice = await login(server, 'alice', 'flight');
    const watcher = await login(server, 'alice', 'flight');
    await ok(admin, 'update_key', { type: 'loop', id: 'loop3', key: 'name', data: 'acknowledged' });
    await ok(alice, 'set_user_data', { tag: 'acknowledged' });
    const before = await snapshot(server);

    await fault.start(db);
    const refused: string[] = [];
    for (const w of writes('refused')) {
      const reply = await request(w.who === 'admin' ? admin : alice, w.event, w.parameter);
      expect(reply.error, `${w.event} ${JSON.stringify(w.parameter)} was acknowledged on a failing disk`).toBeDefined();
      expect(reply.error?.code, `${w.event}: ${reply.error?.description}`).toBe(1000);
      expect((reply.error as { name?: string } | undefined)?.name).toBe('storageFailed');
      refused.push(w.event);
    }
    // A login needs a durable session: refused too, and the socket stays logged out.
    const late = await RawSocket.connect(server.apiUrl);
    expect((await request(late, 'login', { user: 'bob', password: 'bob' })).error?.code).toBe(1000);
    expect((await request(late, 'get_user_data')).error?.code).toBe(5000);
    late.close();
    // Nobody else was told: the watcher's replies come after any push the writes would have caused.
    await ok(watcher, 'get_user_data');
    expect(watcher.pushes.filter((p) => p.event === 'switch_loop_state' || p.event === 'switch_loop_volume')).toEqual([]);
    // Memory equals what was on disk before.
    await fault.end(db);
    expect(await snapshot(server)).toEqual(before);

    // After the fault: writes work again; restart and compare.
    await ok(admin, 'update_key', { type: 'loop', id: 'loop2', key: 'name', data: 'after the fault' });
    for (const s of [admin, alice, watcher]) s.close();
    const acknowledged = await snapshot(server);
    expect((acknowledged['loop/loop2'] as { name: string }).name).toBe('after the fault');
    await killHard(server);
    server = await spawnLoopcast({ db, dataDir, user: NOBODY });
    running.push(server);
    const after = await snapshot(server);
    expect(after).toEqual(acknowledged);
    expect(after.data).toEqual({ tag: 'acknowledged' });
    expect((after.loops as Record<string, { name: string }>).loop3?.name).toBe('acknowledged');
    expect(await leftoverNames(db)).toEqual([]);
    const bob = await RawSocket.connect(server.apiUrl);
    expect((await request(bob, 'login', { user: 'bob', password: 'bob' })).error, 'the refused password change must not apply').toBeUndefined();
    bob.close();
    expect(refused.length).toBe(writes('x').length);
    await killHard(server);
  });
});

describe('leftovers of interrupted writes', () => {
  it('are removed at start: temp files, staging and trash folders of dead processes; a live process keeps its own', { timeout: 60_000 }, async () => {
    const db = await makeTempDir('loopcast-leftover-db-');
    await cp(FIXTURE_DB, db, { recursive: true });
    const project = join(db, 'auth', DOMAIN, PROJECT.id);
    const dead = 2 ** 22 + 12345; // above pid_max's default: no such process
    const stale = [
      join(db, `.state.json.${dead}.0badc0de.tmp`),
      join(db, 'auth', DOMAIN, `.config.json.${dead}.deadbeef.tmp`),
      join(project, `.config.json.${dead}.12345678.tmp`),
    ];
    for (const file of stale) await writeFile(file, '{"torn":');
    await mkdir(join(db, 'auth', DOMAIN, `.new-apollo.${dead}.aaaaaaaa`));
    await writeFile(join(db, 'auth', DOMAIN, `.new-apollo.${dead}.aaaaaaaa`, 'config.json'), '{}');
    await mkdir(join(db, 'auth', DOMAIN, `.deleted-old.${dead}.bbbbbbbb`));
    const live = join(db, `.sessions.json.${process.pid}.cccccccc.tmp`);
    await writeFile(live, '{}');
    const server = await spawnLoopcast({ db, dataDir: await makeTempDir('loopcast-leftover-data-') });
    expect(await leftoverNames(db)).toEqual([`.sessions.json.${process.pid}.cccccccc.tmp`]);
    expect(server.output.some((line) => line.includes('removed leftovers of interrupted writes'))).toBe(true);
    expect(JSON.parse(await readFile(join(project, 'config.json'), 'utf8'))).toMatchObject({ id: PROJECT.id });
    await killHard(server);
  });
});
