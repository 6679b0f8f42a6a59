// Start a real Loopcast server on port 0 with a copy of a directory, for integration tests.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { startLoopcast, type RunningLoopcast } from '../../src/app.js';
import { resolveConfig, type ConfigInput } from '../../src/config/config.js';
import type { MediaControl } from '../../src/media/control.js';

export const FIXTURE_DB = fileURLToPath(new URL('../fixtures/openvocs-db', import.meta.url));

/** A shared TLS dir: generating a certificate per test would only cost time. */
const TLS_DIR = join(tmpdir(), `loopcast-test-tls-${process.pid}`);

export interface TestServer extends RunningLoopcast {
  apiUrl: string;
  db: string;
  stop(): Promise<void>;
}

export async function copyFixture(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'loopcast-db-'));
  await cp(FIXTURE_DB, dir, { recursive: true });
  return dir;
}

export async function startTestServer(options: { db?: string; config?: Partial<ConfigInput>; media?: MediaControl } = {}): Promise<TestServer> {
  const db = options.db ?? (await copyFixture());
  // Signaling tests run without a media plane unless they ask for one; media stays on loopback.
  const config = resolveConfig({
    dataDir: TLS_DIR,
    db,
    host: '127.0.0.1',
    port: 0,
    demo: false,
    logLevel: 'silent',
    media: { enabled: false },
    ...options.config,
  });
  // LOOPCAST_TEST_LOG=debug shows the server's log while debugging a test.
  const app = await startLoopcast(config, { log: pino({ level: process.env.LOOPCAST_TEST_LOG ?? 'silent' }), ...(options.media ? { media: options.media } : {}) });
  return {
    ...app,
    db,
    apiUrl: `wss://127.0.0.1:${app.port}/api`,
    async stop() {
      await app.close();
      if (!options.db) await rm(db, { recursive: true, force: true });
    },
  };
}
