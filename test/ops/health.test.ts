// Liveness and readiness against a real server whose directory sits on a tmpfs that the test
// remounts read-only (root ignores file modes, so chmod would prove nothing): readiness fails with
// the directory named, liveness stays up, a refused write is counted, and remounting rw heals it.
import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clockCheck } from '../../src/health/health-checks.js';
import { ProtocolClient } from '../support/protocol-client.js';
import { FIXTURE_DB, startTestServer, type TestServer } from '../support/server.js';
import { get, Scrape } from './scrape.js';

function tryMount(dir: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m,mode=0700', 'tmpfs', dir], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

const remount = (dir: string, mode: 'ro' | 'rw'): void => void execFileSync('mount', ['-o', `remount,${mode}`, dir], { stdio: 'pipe' });

interface Report {
  status: string;
  checks: Record<string, { ok: boolean; detail?: string }>;
  connections?: number;
  uptime_s?: number;
}

let mountDir = '';
let mounted = false;
let server: TestServer | undefined;

beforeAll(async () => {
  mountDir = await mkdtemp(join(tmpdir(), 'loopcast-health-'));
  mounted = tryMount(mountDir);
  if (!mounted) return;
  const db = join(mountDir, 'db');
  await mkdir(db);
  await cp(FIXTURE_DB, db, { recursive: true });
  server = await startTestServer({ db, config: { media: { enabled: true, bindAddress: '127.0.0.1' } } });
});

afterAll(async () => {
  await server?.stop();
  if (mounted) execFileSync('umount', [mountDir]);
  await rm(mountDir, { recursive: true, force: true });
});

describe('health', () => {
  it('readiness fails while the data directory is read-only and recovers after; liveness stays up', async (ctx) => {
    if (!mounted || !server) return ctx.skip('needs root to mount a tmpfs (CI runs as root)');
    const port = server.port;
    const ready = await get(port, '/health/ready');
    expect(ready.status, ready.body).toBe(200);
    const report = JSON.parse(ready.body) as Report;
    expect(report.checks).toMatchObject({ directory: { ok: true }, media_udp: { ok: true }, media_clock: { ok: true } });
    const legacy = JSON.parse((await get(port, '/health')).body) as Report;
    expect(legacy).toMatchObject({ status: 'ok', connections: 0 });
    expect(typeof legacy.uptime_s).toBe('number');

    remount(mountDir, 'ro');
    try {
      const notReady = await get(port, '/health/ready');
      expect(notReady.status).toBe(503);
      const failed = JSON.parse(notReady.body) as Report;
      expect(failed.status).toBe('fail');
      expect(failed.checks.directory?.ok).toBe(false);
      expect(failed.checks.directory?.detail).toContain('EROFS');
      expect((await get(port, '/health')).status).toBe(503);
      expect((await get(port, '/health/live')).status).toBe(200);

      // A change that must be written is refused, and the failure is counted.
      const client = await ProtocolClient.connect(server.apiUrl);
      await client.loginAs('alice', 'alice', 'flight').catch(() => undefined);
      await client.request('switch_loop_state', { loop: 'loop1', state: 'recv' }).catch(() => undefined);
      client.close();
      const scrape = new Scrape((await get(port, '/metrics')).body);
      expect(scrape.value('loopcast_directory_write_failures_total')).toBeGreaterThanOrEqual(1);
    } finally {
      remount(mountDir, 'rw');
    }
    expect((await get(port, '/health/ready')).status).toBe(200);
  }, 30_000);

  it('the mixing clock counts as stalled only while subscribed and silent too long', () => {
    expect(clockCheck({ clockSubscribed: false, msSinceTick: undefined }, 1000).ok).toBe(true);
    expect(clockCheck({ clockSubscribed: true, msSinceTick: 30 }, 1000).ok).toBe(true);
    expect(clockCheck({ clockSubscribed: true, msSinceTick: 1500 }, 1000)).toMatchObject({ ok: false });
  });
});
