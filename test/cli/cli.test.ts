// The `loopcast` command as an operator runs it (needs `npm run build`, which `npm test` does first).
import { spawn } from 'node:child_process';
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hasDirectory } from '../../src/directory/demo.js';
import { Directory } from '../../src/directory/directory.js';
import { FIXTURE_DB } from '../support/server.js';

const BIN = fileURLToPath(new URL('../../bin/loopcast.js', import.meta.url));

function run(args: string[], until?: RegExp): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, LOOPCAST_LOG_LEVEL: 'warn' } });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (until?.test(stderr)) child.kill('SIGTERM');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    });
  });
}

describe('loopcast command', () => {
  it('documents its options', async () => {
    const { code, stdout } = await run(['start', '--help']);
    expect(code).toBe(0);
    for (const flag of ['--db', '--port', '--data-dir', '--tls-key', '--origin', '--no-demo', '--config']) expect(stdout).toContain(flag);
  });

  it('serves an existing openvocs directory on the given port', async () => {
    const data = await mkdtemp(join(tmpdir(), 'loopcast-cli-'));
    const db = join(data, 'db');
    await cp(FIXTURE_DB, db, { recursive: true });
    const { stderr } = await run(['start', '--db', db, '--data-dir', data, '--port', '0', '--host', '127.0.0.1'], /Loopcast is running/);
    expect(stderr).toMatch(/Loopcast is running: https:\/\/127\.0\.0\.1:\d+/);
    expect(stderr).not.toContain('Demo directory');
  });

  it('refuses to start on a broken directory file, naming file and JSON path', async () => {
    const data = await mkdtemp(join(tmpdir(), 'loopcast-cli-'));
    const db = join(data, 'db');
    await cp(FIXTURE_DB, db, { recursive: true });
    await writeFile(join(db, 'auth', '127.0.0.1', 'config.json'), '{"id":"127.0.0.1","users":{"admin":{"id":5}}}');
    const { code, stderr } = await run(['start', '--db', db, '--data-dir', data, '--port', '0']);
    expect(code).toBe(2);
    expect(stderr).toContain(join(db, 'auth', '127.0.0.1', 'config.json'));
    expect(stderr).toContain('$.users.admin.id');
  });

  it('rejects invalid configuration with the setting name', async () => {
    const data = await mkdtemp(join(tmpdir(), 'loopcast-cli-'));
    const config = join(data, 'config.json');
    await writeFile(config, JSON.stringify({ port: 'eighty', colour: 'blue' }));
    const { code, stderr } = await run(['start', '--config', config]);
    expect(code).toBe(2);
    expect(stderr).toContain('port');
    expect(stderr).toContain('colour');
  });

  it('imports an openvocs directory, refuses to overwrite without --force, and refuses broken sources', async () => {
    const data = await mkdtemp(join(tmpdir(), 'loopcast-import-'));
    const target = join(data, 'db');
    const ok = await run(['import-openvocs', FIXTURE_DB, '--db', target]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('imported 1 domain(s), 1 project(s), 4 user(s), 4 role(s), 4 loop(s)');
    const directory = await Directory.load(target);
    expect(directory.findUser('alice')?.scope.id).toBe('mcc@127.0.0.1');

    const again = await run(['import-openvocs', FIXTURE_DB, '--db', target]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--force');
    expect((await run(['import-openvocs', FIXTURE_DB, '--db', target, '--force'])).code).toBe(0);

    const broken = join(data, 'broken');
    await cp(FIXTURE_DB, broken, { recursive: true });
    await writeFile(join(broken, 'auth', '127.0.0.1', 'mcc@127.0.0.1', 'config.json'), '{"id":"mcc@127.0.0.1","domain":"127.0.0.1","loops":{"x":{"id":"y"}}}');
    const fresh = join(data, 'fresh');
    const refused = await run(['import-openvocs', broken, '--db', fresh]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('$.loops["x"].id');
    expect(await hasDirectory(fresh)).toBe(false);
  });
});
