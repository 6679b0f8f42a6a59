// Issue 9, class 1: the process-level safety net. In a child process (vitest has its own handlers), a
// fault escapes from a callback and a promise rejects unhandled, as a native callback or a forgotten
// `void` could; the net logs both with a reference and the process keeps running.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const SCRIPT = `
import { pino } from 'pino';
import { installSafetyNet } from './src/signaling/safety-net.ts';
installSafetyNet(pino());
setImmediate(() => { throw new Error('fault in a callback'); });
void Promise.reject(new Error('forgotten rejection'));
setTimeout(() => { process.stdout.write('still serving\\n'); }, 200);
`;

it('logs an escaped exception and an unhandled rejection and keeps the process alive', async () => {
  // Without the net, Node exits with code 1 at the first of the two faults.
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], { cwd: ROOT, timeout: 30_000 });
  const lines = stdout.trim().split('\n');
  expect(lines.at(-1)).toBe('still serving');
  const contained = lines.filter((l) => l.includes('contained a fault')).map((l) => JSON.parse(l) as { kind: string; ref: string; err: { message: string } });
  expect(contained.map((c) => [c.kind, c.err.message]).sort()).toEqual([
    ['uncaughtException', 'fault in a callback'],
    ['unhandledRejection', 'forgotten rejection'],
  ]);
  expect(contained.every((c) => /^[0-9a-f]{8}$/.test(c.ref))).toBe(true);
}, 40_000);
