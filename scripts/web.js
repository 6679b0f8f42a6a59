#!/usr/bin/env node
// Builds or type-checks every browser client under web/<name>/ (each has vite.config.ts + tsconfig.json).
//   node scripts/web.js build       → web/<name>/dist
//   node scripts/web.js typecheck   → tsc --noEmit -p web/<name>
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const webDir = join(root, 'web');
const clients = existsSync(webDir)
  ? readdirSync(webDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(webDir, d.name, 'vite.config.ts')))
      .map((d) => d.name)
  : [];

const command = process.argv[2];
const bin = (name) => join(root, 'node_modules', '.bin', name);
for (const name of clients) {
  const dir = join(webDir, name);
  const args =
    command === 'build' ? [bin('vite'), ['build', '--config', join(dir, 'vite.config.ts'), '--logLevel', 'warn']]
    : command === 'typecheck' ? [bin('tsc'), ['--noEmit', '-p', dir]]
    : undefined;
  if (!args) {
    console.error('usage: node scripts/web.js build|typecheck');
    process.exit(2);
  }
  const result = spawnSync(args[0], args[1], { stdio: 'inherit', cwd: root });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
