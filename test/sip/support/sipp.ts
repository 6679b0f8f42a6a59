// Runs Debian's sipp (package sip-tester) against the gateway, on 127.0.0.1 only.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const SCENARIOS = fileURLToPath(new URL('../scenarios/', import.meta.url));

export interface SippResult {
  code: number | null;
  output: string;
}

/** `target` host:port for a caller; undefined for a scenario that waits for calls (pass `-p <port>`). */
export function runSipp(target: string | undefined, scenario: string, args: string[], timeoutMs = 40_000): Promise<SippResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('sipp', [...(target ? [target] : []), '-sf', `${SCENARIOS}${scenario}`, '-i', '127.0.0.1', '-mi', '127.0.0.1', '-m', '1', '-nostdin', '-timeout', '30', '-timeout_error', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
    child.stderr.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
