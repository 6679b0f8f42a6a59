// Waiting for a condition with a deadline, shared by the tests (they must not sleep a fixed time and
// hope): one copy, so that every wait fails the same way and names what it waited for.
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `condition` every `pollMs` (default 20) until it holds; throws after `timeoutMs` (default
 * 5000) naming `what`. Returns the milliseconds waited (some tests measure a lag with it).
 */
export async function until(what: string, condition: () => boolean | Promise<boolean>, opts: { timeoutMs?: number; pollMs?: number } = {}): Promise<number> {
  const { timeoutMs = 5000, pollMs = 20 } = opts;
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(pollMs);
  }
  return Date.now() - started;
}
