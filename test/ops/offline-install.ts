// Installing the `npm pack` tarball into an empty prefix from the local npm cache only. The
// checkout was installed with `npm ci`, which caches tarballs but not registry metadata, so a plain
// `npm install --offline <tarball>` cannot resolve versions. Instead the prefix gets a lockfile
// with the checkout's exact production dependency tree (versions, integrity, tarball URLs): npm
// then only needs the tarballs, which the cache has.
import { readFileSync } from 'node:fs';

interface LockEntry {
  version?: string;
  resolved?: string;
  dev?: boolean;
  link?: boolean;
  [key: string]: unknown;
}

interface Lockfile {
  packages: Record<string, LockEntry>;
}

export function prefixLockfile(checkoutLockPath: string, tarballSpec: string): { packageJson: object; lockfile: object } {
  const lock = JSON.parse(readFileSync(checkoutLockPath, 'utf8')) as Lockfile;
  const root = lock.packages[''] ?? {};
  const packages: Record<string, LockEntry> = {
    '': { name: 'loopcast-install-test', dependencies: { loopcast: tarballSpec } },
    'node_modules/loopcast': {
      version: String(root.version),
      resolved: tarballSpec,
      dependencies: root.dependencies,
      bin: root.bin,
      engines: root.engines,
    },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path.startsWith('node_modules/') || entry.dev === true || entry.link === true) continue;
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const base = name.slice(name.lastIndexOf('/') + 1);
    packages[path] = { ...entry, resolved: entry.resolved ?? `https://registry.npmjs.org/${name}/-/${base}-${String(entry.version)}.tgz` };
  }
  return {
    packageJson: { name: 'loopcast-install-test', private: true, dependencies: { loopcast: tarballSpec } },
    lockfile: { name: 'loopcast-install-test', lockfileVersion: 3, requires: true, packages },
  };
}
