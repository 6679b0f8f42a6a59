// What is running: the package version and the git commit it was built from. Determined without
// network and without spawning git: `npm pack` writes dist/build-info.json (scripts/build-info.js);
// in a checkout the commit is read from .git directly.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BuildInfo {
  version: string;
  commit: string;
}

/** The package root: two levels above this file, in src/ (tsx) and in dist/ alike. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** HEAD of a checkout: a detached hash, or a ref resolved loose or through packed-refs. */
export function gitCommit(root: string): string | undefined {
  const head = readText(join(root, '.git', 'HEAD'));
  if (!head) return undefined;
  if (/^[0-9a-f]{40}$/.test(head)) return head;
  const ref = /^ref: (\S+)$/.exec(head)?.[1];
  if (!ref) return undefined;
  const loose = readText(join(root, '.git', ref));
  if (loose && /^[0-9a-f]{40}$/.test(loose)) return loose;
  const packed = readText(join(root, '.git', 'packed-refs')) ?? '';
  for (const line of packed.split('\n')) {
    const [hash, name] = line.split(' ');
    if (name === ref && hash && /^[0-9a-f]{40}$/.test(hash)) return hash;
  }
  return undefined;
}

let cached: BuildInfo | undefined;

export function buildInfo(root = ROOT): BuildInfo {
  if (cached && root === ROOT) return cached;
  const pkg = JSON.parse(readText(join(root, 'package.json')) ?? '{}') as { version?: unknown };
  let stamped: { commit?: unknown } = {};
  try {
    stamped = JSON.parse(readText(join(root, 'dist', 'build-info.json')) ?? '{}') as { commit?: unknown };
  } catch {
    // A broken stamp is no reason not to start.
  }
  const info = {
    version: typeof pkg.version === 'string' ? pkg.version : 'unknown',
    commit: gitCommit(root) ?? (typeof stamped.commit === 'string' ? stamped.commit : 'unknown'),
  };
  if (root === ROOT) cached = info;
  return info;
}
