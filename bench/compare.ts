// `npm run bench -- compare a.json b.json`: prints b's measures relative to a's.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { compare } from './lib/report.js';
import type { BenchResult } from './lib/result.js';

const files = process.argv.slice(2).filter((a) => a !== '--compare');
if (files.length !== 2) {
  console.error('usage: npm run bench -- compare a.json b.json');
  process.exit(2);
}
const [a, b] = await Promise.all(files.map(async (f) => JSON.parse(await readFile(f, 'utf8')) as BenchResult));
console.log(compare(a as BenchResult, b as BenchResult, basename(files[0] as string), basename(files[1] as string)));
