// The layers of README.md "Development": the diagram lists every import between top-level folders of src/ (a new
// dependency must be drawn there first), the protocol contract imports nothing of the server, and the shipped
// server, the shared test kit, the tests and the load tool depend on each other only downwards.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('..', import.meta.url));
const src = join(repo, 'src');
const folder = (name: string) => join(repo, name) + '/';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** `src/media/x.ts` → `media`; `src/app.ts` → `app.ts`. */
function layerOf(path: string): string {
  const rel = relative(src, path).replace(/\.js$/, '.ts');
  return rel.includes('/') ? (rel.split('/')[0] ?? rel) : rel;
}

// Whole words only: `valid_from', path: ['x']` inside a string is not an import.
const specifiers = (file: string) => [...readFileSync(file, 'utf8').matchAll(/\b(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1] ?? '');

/** Folder-level imports inside src/: "signaling ─► media". */
function actualEdges(): Set<string> {
  const edges = new Set<string>();
  for (const file of sources(src)) {
    for (const spec of specifiers(file)) {
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(src)) continue;
      const from = layerOf(file);
      const to = layerOf(target);
      if (from !== to) edges.add(`${from} ─► ${to}`);
    }
  }
  return edges;
}

function drawnEdges(): Set<string> {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  const development = readme.slice(readme.indexOf('## Development'));
  const diagram = /```text\n([\s\S]*?)```/.exec(development)?.[1] ?? '';
  const edges = new Set<string>();
  for (const line of diagram.split('\n')) {
    const match = /^(\S+)\s+─►\s+([^(◄]+)/.exec(line);
    if (!match) continue;
    for (const to of (match[2] ?? '').split(',').map((t) => t.trim()).filter(Boolean)) edges.add(`${match[1]} ─► ${to}`);
  }
  return edges;
}

describe('layers', () => {
  it('README draws every import between folders of src/', () => {
    const drawn = drawnEdges();
    expect(drawn.size).toBeGreaterThan(10);
    expect([...actualEdges()].filter((edge) => !drawn.has(edge)).sort()).toEqual([]);
  });

  it('src/protocol imports nothing outside itself but zod', () => {
    const protocol = join(src, 'protocol');
    const outside = sources(protocol).flatMap((file) =>
      specifiers(file)
        .filter((spec) => (spec.startsWith('.') ? !resolve(dirname(file), spec).startsWith(protocol) : spec !== 'zod'))
        .map((spec) => `${relative(repo, file)}: ${spec}`),
    );
    expect(outside).toEqual([]);
  });

  /** Relative imports of the .ts files under `dir` (skipping `except`) that resolve into one of `targets`. */
  function importsInto(dir: string, targets: string[], except?: string): string[] {
    return sources(join(repo, dir))
      .filter((file) => !except || !file.startsWith(folder(except)))
      .flatMap((file) =>
        specifiers(file)
          .filter((spec) => spec.startsWith('.') && targets.some((t) => resolve(dirname(file), spec).startsWith(folder(t))))
          .map((spec) => `${relative(repo, file)}: ${spec}`),
      );
  }

  it('src/ ships alone: it imports neither the tests, nor the test kit, nor the load tool', () => {
    expect(importsInto('src', ['test', 'testkit', 'bench'])).toEqual([]);
  });

  it('testkit/ builds on src/ only, and the tests import the load tool only to test it (test/bench)', () => {
    expect(importsInto('testkit', ['test', 'bench'])).toEqual([]);
    expect(importsInto('test', ['bench'], 'test/bench')).toEqual([]);
  });

  it('the checks above see imports (they would catch one)', () => {
    expect(importsInto('test', ['bench']).length).toBeGreaterThan(0);
    expect(importsInto('bench', ['testkit']).length).toBeGreaterThan(0);
  });
});
