// `npm pack` → install the tarball into an empty prefix outside the checkout, offline (dependencies
// from the local npm cache) → `loopcast start` from the installed bin serves /health/ready and
// reports its version and commit. Building the native dependencies from source (@discordjs/opus,
// better-sqlite3) takes minutes on a busy 2-core machine, so by default the install skips install
// scripts and takes the already built native files from the checkout; LOOPCAST_PACK_FULL=1 runs
// the complete install with scripts (slow, see docs/operations.md). Needs dist/ (npm run build).
import { execFile as execFileCb, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { gitCommit } from '../../src/metrics/build-info.js';
import { sleep } from '../support/media-operator.js';
import { prefixLockfile } from './offline-install.js';
import { get, Scrape } from './scrape.js';

const execFile = promisify(execFileCb);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FULL = process.env.LOOPCAST_PACK_FULL === '1';
/** Native build outputs copied from the checkout when install scripts are skipped. */
const NATIVE_BUILDS = ['node_modules/@discordjs/opus/prebuild', 'node_modules/better-sqlite3/build'];

let work = '';
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('installable package', () => {
  it.skipIf(!existsSync(join(ROOT, 'dist/cli/main.js')))('npm pack installs offline into an empty prefix and `loopcast start` runs from it', async () => {
    work = await mkdtemp(join(tmpdir(), 'loopcast-pack-'));
    const started = performance.now();
    await execFile(process.execPath, [join(ROOT, 'scripts/build-info.js')]);
    const { stdout: packed } = await execFile('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT });
    const [{ filename, files }] = JSON.parse(packed) as [{ filename: string; files: Array<{ path: string }> }];
    const paths = files.map((f) => f.path);
    expect(paths).toContain('bin/loopcast.js');
    expect(paths).toContain('dist/cli/main.js');
    expect(paths.filter((p) => p.startsWith('src/') || p.startsWith('test/') || p.startsWith('node_modules/'))).toEqual([]);

    const prefix = join(work, 'prefix');
    await mkdir(prefix);
    const { packageJson, lockfile } = prefixLockfile(join(ROOT, 'package-lock.json'), `file:../${filename}`);
    await writeFile(join(prefix, 'package.json'), JSON.stringify(packageJson));
    await writeFile(join(prefix, 'package-lock.json'), JSON.stringify(lockfile));
    const installArgs = ['ci', '--offline', '--no-audit', '--no-fund', ...(FULL ? [] : ['--ignore-scripts'])];
    await execFile('npm', installArgs, { cwd: prefix, timeout: FULL ? 30 * 60_000 : 120_000 });
    if (!FULL) for (const dir of NATIVE_BUILDS) if (existsSync(join(ROOT, dir))) await cp(join(ROOT, dir), join(prefix, dir), { recursive: true });
    const installSeconds = (performance.now() - started) / 1000;
    expect(await readdir(join(prefix, 'node_modules/loopcast'))).not.toContain('src');

    const dataDir = join(work, 'data');
    const child = spawn(join(prefix, 'node_modules/.bin/loopcast'), ['start', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir], {
      cwd: work,
      env: { ...process.env, LOOPCAST_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      let port: number | undefined;
      const deadline = Date.now() + 30_000;
      while (port === undefined) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`installed loopcast did not start:\n${stderr}`);
        port = Number(/"msg":"loopcast listening"/.test(stdout) ? /"port":(\d+)/.exec(stdout)?.[1] : undefined) || undefined;
        await sleep(100);
      }
      const ready = await get(port, '/health/ready');
      expect(ready.status, ready.body).toBe(200);
      const scrape = new Scrape((await get(port, '/metrics')).body);
      const build = scrape.families.get('loopcast_build_info')?.metrics[0]?.labels;
      expect(build?.version).toBe('0.1.0');
      expect(build?.commit).toBe(gitCommit(ROOT));
      console.info(`pack + offline install (${FULL ? 'with' : 'without'} native builds): ${installSeconds.toFixed(1)} s`);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(existsSync(join(dataDir, 'db'))).toBe(true);
  }, 150_000);
});
