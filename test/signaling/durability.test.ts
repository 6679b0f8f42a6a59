// Crash durability: Loopcast runs as a child process (the real CLI) and is SIGKILLed in the middle of
// a stream of pipelined, acknowledged writes, several times on the same directory. After every
// restart the files are intact JSON and every acknowledged change is there (docs/openvocs-protocol.md §5: persisted
// loop state/volume, user data; §7: admin writes are durable before the reply; sessions survive).
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RawSocket, type ReplyFrame } from '../support/fuzz-tools.js';
import { cleanupChildren, copyFixtureDb, ensureBuilt, killHard, makeTempDir, spawnLoopcast, type ChildServer } from '../support/kill-server.js';

const PROJECT = 'mcc@127.0.0.1';
const LOOPS = ['loop1', 'loop2', 'loop3', 'loop4'] as const;
const ITERATIONS = 6;
/** Requests in flight per writing socket. */
const WINDOW = 3;

beforeAll(async () => {
  await ensureBuilt();
}, 120_000);

afterEach(async () => {
  await cleanupChildren();
});

// ── a model of what was sent and acknowledged, per stored value ──────────────────────────────

type Value = string | number;

/** One stored value with a single writer (one socket), so sending order is applying order. */
class Tracked {
  private sent: Value[] = [];
  private acked = -1;

  constructor(
    readonly name: string,
    private initial: Value,
  ) {}

  /** Record a value about to be sent; returns its index for the acknowledgement. */
  send(value: Value): number {
    this.sent.push(value);
    return this.sent.length - 1;
  }

  ack(index: number): void {
    this.acked = Math.max(this.acked, index);
  }

  get acknowledged(): number {
    return this.acked + 1;
  }

  /** The stored value after a crash: the last acknowledged one, or one sent after it (in flight). */
  allowed(): Value[] {
    return this.acked >= 0 ? this.sent.slice(this.acked) : [this.initial, ...this.sent];
  }

  describe(): string {
    return `${this.name}: initial ${JSON.stringify(this.initial)}, sent ${JSON.stringify(this.sent)}, last acknowledged #${this.acked}`;
  }

  /** After verification the observed value is the starting point of the next iteration. */
  restart(observed: Value): void {
    this.initial = observed;
    this.sent = [];
    this.acked = -1;
  }
}

interface SessionRecord {
  user: string;
  clientId: string;
  session: string;
}

const TEMPORARY = 50000;

let serial = 0;
const nextUuid = (tag: string): string => `${tag}-${serial++}`;

async function connect(server: ChildServer, clientId?: string): Promise<RawSocket> {
  return RawSocket.connect(server.apiUrl, clientId ? { clientId } : {});
}

async function must(socket: RawSocket, event: string, parameter: Record<string, unknown>): Promise<Record<string, unknown>> {
  const reply = await socket.request(event, parameter, nextUuid(event));
  if (reply.error) throw new Error(`${event} failed: ${reply.error.code} ${reply.error.description}`);
  return reply.response;
}

async function login(server: ChildServer, user: string, role?: string): Promise<{ socket: RawSocket; session: SessionRecord }> {
  const socket = await connect(server);
  const response = await must(socket, 'login', { user, password: user });
  if (role) await must(socket, 'authorize', { role });
  return { socket, session: { user, clientId: socket.clientId, session: String(response.session) } };
}

/** Every JSON file of the directory parses (temp files of interrupted writes are dot files). */
async function expectFilesIntact(db: string): Promise<void> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.name.endsWith('.json')) {
        const text = await readFile(path, 'utf8');
        expect(() => JSON.parse(text) as unknown, `${relative(db, path)} is not valid JSON`).not.toThrow();
        found.push(relative(db, path));
      }
    }
  };
  await walk(db);
  expect(found).toEqual(expect.arrayContaining(['state.json', 'sessions.json', join('auth', '127.0.0.1', 'config.json'), join('auth', '127.0.0.1', PROJECT, 'config.json')]));
}

/** Hidden entries (temp files, staging and trash folders of interrupted writes) anywhere in the directory. */
async function hiddenEntries(db: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) out.push(relative(db, join(dir, entry.name)));
      else if (entry.isDirectory()) await walk(join(dir, entry.name));
    }
  };
  await walk(db);
  return out;
}

// ── the workload ──────────────────────────────────────────────────────────────────────────────

interface Op {
  event: string;
  parameter: Record<string, unknown>;
  /** Called with the reply; returns whether it was a success. */
  settle: (reply: ReplyFrame) => void;
}

interface Model {
  values: Map<string, Tracked>;
}

const key = {
  state: (user: string, role: string, loop: string) => `state/${user}/${role}/${loop}`,
  volume: (user: string, role: string, loop: string) => `volume/${user}/${role}/${loop}`,
  data: (user: string) => `data/${user}`,
  name: (loop: string) => `name/${loop}`,
};

function tracked(model: Model, name: string): Tracked {
  const t = model.values.get(name);
  if (!t) throw new Error(`untracked ${name}`);
  return t;
}

/** Failures of the stream other than temporary refusals: the test fails on them. */
const unexpected: string[] = [];

function op(t: Tracked, value: Value, event: string, parameter: Record<string, unknown>): Op {
  const index = t.send(value);
  return {
    event,
    parameter,
    settle: (reply) => {
      if (!reply.error) t.ack(index);
      else if (reply.error.code < TEMPORARY) unexpected.push(`${event} ${JSON.stringify(parameter)}: ${reply.error.code} ${reply.error.description}`);
    },
  };
}

/** Endless writes of one user/role's loop states and volumes and user data. */
function loopWriter(model: Model, user: string, role: string, permissions: Record<string, 'send' | 'recv'>, iteration: number): () => Op {
  let n = 0;
  return () => {
    n++;
    const loop = LOOPS[n % LOOPS.length] ?? 'loop1';
    if (n % 5 === 0) {
      const data = `${iteration}:${n}`;
      return op(tracked(model, key.data(user)), data, 'set_user_data', { counter: data, by: user });
    }
    if (n % 2 === 0) {
      const volume = (iteration * 37 + n * 13) % 101;
      return op(tracked(model, key.volume(user, role, loop)), volume, 'switch_loop_volume', { loop, volume });
    }
    const states = permissions[loop] === 'send' ? ['none', 'recv', 'send'] : ['none', 'recv'];
    const state = states[(n + iteration) % states.length] ?? 'none';
    return op(tracked(model, key.state(user, role, loop)), state, 'switch_loop_state', { loop, state });
  };
}

function nameWriter(model: Model, iteration: number): () => Op {
  let n = 0;
  return () => {
    n++;
    const loop = LOOPS[n % LOOPS.length] ?? 'loop1';
    const name = `L${loop.slice(4)}-${iteration}-${n}`;
    return op(tracked(model, key.name(loop)), name, 'update_key', { type: 'loop', id: loop, key: 'name', data: name });
  };
}

/** Keep WINDOW requests in flight on one socket until stopped or the socket dies. */
async function pump(socket: RawSocket, next: () => Op, stopped: () => boolean): Promise<void> {
  const inflight = new Set<Promise<void>>();
  const launch = (): void => {
    const o = next();
    const uuid = nextUuid(o.event);
    const p = socket
      .request(o.event, o.parameter, uuid, 30_000)
      .then(o.settle, () => undefined)
      .finally(() => inflight.delete(p));
    inflight.add(p);
  };
  while (!stopped() && socket.closeCode === undefined) {
    while (inflight.size < WINDOW && !stopped()) launch();
    await Promise.race(inflight);
  }
  await Promise.allSettled(inflight);
}

/**
 * Logins on fresh sockets, one after the other: every acknowledged one yields a session to check. At
 * most 24 a round: a user keeps at most 32 stored sessions (`limits.maxStoredSessionsPerUser`), and
 * beyond that the oldest are dropped by design — which is not what this test is about.
 */
const MAX_CHURN_LOGINS = 24;
async function loginChurn(server: ChildServer, sessions: SessionRecord[], stopped: () => boolean): Promise<void> {
  let logins = 0;
  while (!stopped() && logins++ < MAX_CHURN_LOGINS) {
    let socket: RawSocket;
    try {
      socket = await connect(server);
    } catch {
      return;
    }
    try {
      const reply = await socket.request('login', { user: 'carol', password: 'carol' }, nextUuid('churn'), 30_000);
      if (!reply.error) sessions.push({ user: 'carol', clientId: socket.clientId, session: String(reply.response.session) });
      else if (reply.error.code < TEMPORARY) unexpected.push(`churn login: ${reply.error.code} ${reply.error.description}`);
    } catch {
      return;
    } finally {
      socket.close();
    }
  }
}

// ── verification through the protocol ─────────────────────────────────────────────────────────

async function observe(server: ChildServer): Promise<Map<string, Value>> {
  const seen = new Map<string, Value>();
  const sockets: RawSocket[] = [];
  try {
    for (const [user, role] of [
      ['alice', 'flight'],
      ['bob', 'ground'],
    ] as const) {
      const { socket } = await login(server, user, role);
      sockets.push(socket);
      const loops = (await must(socket, 'role_loops', {})).loops as Record<string, { state: string; volume: number }>;
      for (const loop of LOOPS) {
        const entry = loops[loop];
        if (!entry) throw new Error(`role_loops of ${user}/${role} lacks ${loop}`);
        seen.set(key.state(user, role, loop), entry.state);
        seen.set(key.volume(user, role, loop), entry.volume);
      }
      const data = (await must(socket, 'get_user_data', {})).data as Record<string, unknown>;
      seen.set(key.data(user), typeof data.counter === 'string' ? data.counter : '');
      if (user === 'alice') {
        for (const loop of LOOPS) {
          const record = (await must(socket, 'get', { type: 'loop', id: loop })).result as Record<string, unknown>;
          seen.set(key.name(loop), String(record.name));
        }
      }
    }
  } finally {
    for (const s of sockets) s.close();
  }
  return seen;
}

async function expectSessionsWork(server: ChildServer, sessions: SessionRecord[]): Promise<void> {
  for (const record of sessions) {
    const socket = await connect(server, record.clientId);
    try {
      const reply = await socket.request('login', { user: record.user, password: record.session }, nextUuid('relogin'));
      expect(reply.error, `session of ${record.user} (client ${record.clientId}) was acknowledged before the kill`).toBeUndefined();
      expect(reply.response.id).toBe(record.user);
    } finally {
      socket.close();
    }
  }
}

// ── tests ─────────────────────────────────────────────────────────────────────────────────────

describe('crash durability (SIGKILL during acknowledged writes)', () => {
  it(`keeps every acknowledged change across ${ITERATIONS} kills on the same directory`, { timeout: 180_000 }, async () => {
    const db = await copyFixtureDb();
    const dataDir = await makeTempDir('loopcast-kill-data-');
    const model: Model = { values: new Map() };
    let server = await spawnLoopcast({ db, dataDir });
    const initial = await observe(server);
    for (const [name, value] of initial) model.values.set(name, new Tracked(name, value));
    const flight = { loop1: 'send', loop2: 'send', loop3: 'recv', loop4: 'send' } as const;
    const ground = { loop1: 'send', loop2: 'recv', loop3: 'send', loop4: 'send' } as const;
    let sessions: SessionRecord[] = [];
    const report: string[] = [];
    let totalAcks = 0;
    let leftAfterKills = 0;

    for (let iteration = 1; iteration <= ITERATIONS; iteration++) {
      const alice = await login(server, 'alice', 'flight');
      const bob = await login(server, 'bob', 'ground');
      const admin = await login(server, 'alice');
      sessions = [alice.session, bob.session, admin.session];
      let stopped = false;
      const isStopped = (): boolean => stopped;
      const killAfter = 50 + Math.floor(Math.random() * 351);
      const streams = Promise.all([
        pump(alice.socket, loopWriter(model, 'alice', 'flight', flight, iteration), isStopped),
        pump(bob.socket, loopWriter(model, 'bob', 'ground', ground, iteration), isStopped),
        pump(admin.socket, nameWriter(model, iteration), isStopped),
        loginChurn(server, sessions, isStopped),
      ]);
      await new Promise((resolve) => setTimeout(resolve, killAfter));
      await killHard(server);
      stopped = true;
      await streams;
      for (const s of [alice.socket, bob.socket, admin.socket]) s.close();
      expect(unexpected, 'refusals other than temporary ones in the stream').toEqual([]);

      const acks = [...model.values.values()].reduce((sum, t) => sum + t.acknowledged, 0);
      totalAcks += acks;
      report.push(`#${iteration}: killed after ${killAfter} ms, ${acks} writes and ${sessions.length} logins acknowledged`);

      await expectFilesIntact(db);
      leftAfterKills += (await hiddenEntries(db)).length;
      server = await spawnLoopcast({ db, dataDir });
      // Temp files of writes the kill interrupted are gone after the start (never acknowledged).
      expect(await hiddenEntries(db)).toEqual([]);
      const observed = await observe(server);
      for (const [name, t] of model.values) {
        const value = observed.get(name);
        expect(value, `${name} not readable after restart`).toBeDefined();
        expect(t.allowed(), `${report.join('; ')}\n${t.describe()}\nobserved ${JSON.stringify(value)}`).toContain(value);
        t.restart(value ?? '');
      }
      await expectSessionsWork(server, sessions);
    }
    console.log(`durability: ${report.join('; ')}; ${leftAfterKills} temp files left by the kills, all removed at start`);
    // The workload really wrote something before the kills (otherwise the test proves nothing).
    expect(totalAcks).toBeGreaterThan(ITERATIONS * 5);
    await killHard(server);
  });
});

describe('admin writes leave a directory the server can restart on', () => {
  // Regression: a project's `domain` was once writable like any key; the next start then failed with
  // "auth/127.0.0.1/mcc@127.0.0.1/config.json $.domain: must be "127.0.0.1"".
  it('refuses to re-point a project to another domain, or still starts afterwards', { timeout: 60_000 }, async () => {
    const db = await copyFixtureDb();
    const dataDir = await makeTempDir('loopcast-kill-data-');
    const server = await spawnLoopcast({ db, dataDir });
    const { socket } = await login(server, 'alice');
    const reply = await socket.request('update_key', { type: 'project', id: PROJECT, key: 'domain', data: 'elsewhere' }, nextUuid('domain'));
    socket.close();
    await killHard(server);
    const restarted = await spawnLoopcast({ db, dataDir }).then(
      (s) => s,
      (err: Error) => err,
    );
    expect(restarted instanceof Error ? restarted.message : 'restarted', `update_key answered ${JSON.stringify(reply.error ?? reply.response)}`).toBe('restarted');
    if (!(restarted instanceof Error)) await killHard(restarted);
    expect(reply.error?.code).toBe(1008);
  });

  // Regression: ids starting with "." were once accepted, but Directory.load skips dot folders, so an
  // acknowledged `create {type:'project', id:'.ops'}` was gone after a restart.
  it('keeps a project created through the admin API after a restart (or refuses its id)', { timeout: 60_000 }, async () => {
    const db = await copyFixtureDb();
    const dataDir = await makeTempDir('loopcast-kill-data-');
    let server = await spawnLoopcast({ db, dataDir });
    let { socket } = await login(server, 'admin');
    const created: string[] = [];
    for (const id of ['ops', '.ops']) {
      const reply = await socket.request('create', { type: 'project', id, scope: { type: 'domain', id: '127.0.0.1' } }, nextUuid('create'));
      if (!reply.error) created.push(id);
      else expect(reply.error.code, `create ${id}: ${reply.error.description}`).toBe(1008);
    }
    expect(created).toContain('ops');
    socket.close();
    await killHard(server);
    await expectFilesIntact(db);
    server = await spawnLoopcast({ db, dataDir });
    ({ socket } = await login(server, 'admin'));
    for (const id of created) {
      const reply = await socket.request('get', { type: 'project', id }, nextUuid('get'));
      expect(reply.error, `project ${id} was acknowledged before the restart`).toBeUndefined();
      expect((reply.response.result as Record<string, unknown>).id).toBe(id);
    }
    socket.close();
    await killHard(server);
  });
});
