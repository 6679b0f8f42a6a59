#!/usr/bin/env node
// Stamps dist/build-info.json with the git commit of this checkout (run by `npm pack` via prepack),
// so an installed package reports its commit in loopcast_build_info without git or network.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (path) => {
  try {
    return readFileSync(join(root, path), 'utf8').trim();
  } catch {
    return undefined;
  }
};
let commit = 'unknown';
const head = read('.git/HEAD');
if (head && /^[0-9a-f]{40}$/.test(head)) commit = head;
else if (head?.startsWith('ref: ')) {
  const ref = head.slice(5);
  const packed = (read('.git/packed-refs') ?? '').split('\n').find((line) => line.endsWith(` ${ref}`))?.split(' ')[0];
  commit = read(`.git/${ref}`) ?? packed ?? 'unknown';
}
mkdirSync(join(root, 'dist'), { recursive: true });
writeFileSync(join(root, 'dist', 'build-info.json'), `${JSON.stringify({ commit })}\n`);
