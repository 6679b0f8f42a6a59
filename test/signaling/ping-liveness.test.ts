// `ping` is the keyset's liveness probe (a backend that does not answer it within 800 ms is failed
// over): it is answered at once, also while a request of the same socket waits for a slow store —
// here a replicated state store whose write hangs, as a NATS bucket does while it elects a leader.
import { pino } from 'pino';
import { afterAll, expect, it } from 'vitest';
import { startLoopcast, type RunningLoopcast } from '../../src/app.js';
import { resolveConfig } from '../../src/config/config.js';
import type { DurableValue } from '../../src/directory/durable-state.js';
import type { StateFile } from '../../src/directory/state-store.js';
import { ProtocolClient } from '../support/protocol-client.js';
import { copyFixture } from '../support/server.js';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Loop states in memory whose writes wait until `release()`. */
class HangingState implements DurableValue<StateFile> {
  value: StateFile = {};
  private waiting: Array<() => void> = [];

  async update(apply: (draft: StateFile) => void): Promise<void> {
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    const draft = structuredClone(this.value);
    apply(draft);
    this.value = draft;
  }

  flush(): Promise<void> {
    return this.update(() => undefined);
  }

  get pending(): number {
    return this.waiting.length;
  }

  release(): void {
    for (const wake of this.waiting.splice(0)) wake();
  }
}

let app: RunningLoopcast | undefined;
let db: string | undefined;
const state = new HangingState();

afterAll(async () => {
  state.release();
  await app?.close();
  if (db) await rm(db, { recursive: true, force: true });
});

it('answers ping at once while a switch of the same socket waits for the store', async () => {
  db = await copyFixture();
  const config = resolveConfig({ dataDir: join(tmpdir(), `loopcast-test-tls-${process.pid}`), db, host: '127.0.0.1', port: 0, demo: false, logLevel: 'silent', media: { enabled: false } });
  app = await startLoopcast(config, { log: pino({ level: 'silent' }), state });
  const bob = await ProtocolClient.connect(`wss://127.0.0.1:${app.port}/api`);
  try {
    await bob.loginAs('bob', 'bob', 'ground');
    const switched = bob.ok('switch_loop_state', { loop: 'loop1', state: 'recv' });
    const deadline = Date.now() + 5_000;
    while (state.pending === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(state.pending).toBe(1);
    const started = Date.now();
    expect(await bob.ok('ping')).toEqual({});
    expect(Date.now() - started).toBeLessThan(500);
    // The switch is still waiting; it completes once the store does.
    state.release();
    expect((await switched).state).toBe('recv');
  } finally {
    bob.close();
  }
}, 30_000);
