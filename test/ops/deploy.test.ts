// deploy/ validated by the real tools: promtool checks the alert rules and runs their unit tests;
// systemd-analyze verifies the units (only the not yet installed binary may be missing); the
// Grafana dashboard is valid JSON whose panels all query something.
import { execFile as execFileCb } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const execFile = promisify(execFileCb);
const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url));

async function run(cmd: string, args: string[], cwd?: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await execFile(cmd, args, { cwd });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('deploy/', () => {
  it('alert rules pass promtool check rules and their unit tests', async () => {
    const check = await run('promtool', ['check', 'rules', 'loopcast-alerts.yml'], join(DEPLOY, 'prometheus'));
    expect(check.code, check.output).toBe(0);
    expect(check.output).toMatch(/SUCCESS: \d+ rules found/);
    const unit = await run('promtool', ['test', 'rules', 'loopcast-alerts.test.yml'], join(DEPLOY, 'prometheus'));
    expect(unit.code, unit.output).toBe(0);
  });

  it('media-host alert rules and the example scrape configuration pass promtool', async () => {
    const prometheus = join(DEPLOY, 'prometheus');
    const check = await run('promtool', ['check', 'rules', 'loopcast-media-alerts.yml'], prometheus);
    expect(check.code, check.output).toBe(0);
    expect(check.output).toMatch(/SUCCESS: 3 rules found/);
    const unit = await run('promtool', ['test', 'rules', 'loopcast-media-alerts.test.yml'], prometheus);
    expect(unit.code, unit.output).toBe(0);
    const config = await run('promtool', ['check', 'config', 'prometheus.example.yml'], prometheus);
    expect(config.code, config.output).toBe(0);
    expect(config.output).toMatch(/SUCCESS: 2 rule files found/);
  });

  it('systemd units verify, with the hardening options in place', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'loopcast-units-'));
    try {
      await copyFile(join(DEPLOY, 'systemd/loopcast.service'), join(dir, 'loopcast.service'));
      await copyFile(join(DEPLOY, 'systemd/loopcast@.service'), join(dir, 'loopcast@backend-a.service'));
      await copyFile(join(DEPLOY, 'systemd/loopcast-backend@.service'), join(dir, 'loopcast-backend@a.service'));
      await copyFile(join(DEPLOY, 'systemd/loopcast-media@.service'), join(dir, 'loopcast-media@a.service'));
      await copyFile(join(DEPLOY, 'systemd/loopcast-mixer@.service'), join(dir, 'loopcast-mixer@a.service'));
      for (const unit of ['loopcast.service', 'loopcast@backend-a.service', 'loopcast-backend@a.service', 'loopcast-media@a.service', 'loopcast-mixer@a.service']) {
        const verify = await run('systemd-analyze', ['verify', '--man=no', join(dir, unit)]);
        const problems = verify.output.split('\n').filter((l) => l.trim() !== '' && !/Command \/usr\/local\/bin\/loopcast is not executable/.test(l));
        expect(problems, verify.output).toEqual([]);
        const text = await readFile(join(dir, unit), 'utf8');
        for (const option of ['User=loopcast', 'NoNewPrivileges=yes', 'ProtectSystem=strict', 'ReadWritePaths=/var/lib/loopcast', 'CapabilityBoundingSet=', 'PrivateTmp=yes']) {
          expect(text).toContain(option);
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the Grafana dashboard parses and every panel has a query', async () => {
    const dashboard = JSON.parse(await readFile(join(DEPLOY, 'grafana/loopcast-dashboard.json'), 'utf8')) as {
      uid: string;
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
    };
    expect(dashboard.uid).toBe('loopcast');
    expect(dashboard.panels.length).toBeGreaterThan(10);
    for (const panel of dashboard.panels) expect(panel.targets.length, panel.title).toBeGreaterThan(0);
  });
});
