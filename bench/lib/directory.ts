// A generated openvocs-layout directory for a self-started server: one domain `bench`, one project,
// users op0..opN-1 in one role that may talk on every loop. Passwords use the openvocs format
// (PBKDF2-HMAC-SHA3-512, 1024 iterations) that Loopcast imports too, so the same directory could be
// loaded into an openvocs backend; it is written here rather than with Loopcast's directory code
// because the load tool must not depend on server internals.
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface BenchAccounts {
  userPrefix: string;
  password: string;
  role: string;
  loopPrefix: string;
}

export const DEFAULT_ACCOUNTS: BenchAccounts = { userPrefix: 'op', password: 'bench-password', role: 'ops', loopPrefix: 'l' };

function openvocsPassword(password: string): { hash: string; salt: string } {
  // openvocs reads the salt as a C string: no zero bytes.
  const salt = Buffer.from(randomBytes(16).map((b) => b || 1));
  return { hash: pbkdf2Sync(password, salt, 1024, 64, 'sha3-512').toString('base64'), salt: salt.toString('base64') };
}

/**
 * Loop `l`'s multicast group: the reference backend mixes a loop through its group and refuses to switch a
 * loop without one (switch_loop_state → 1000). One group and port per loop, inside 239.255.0.0/16
 * (organisation-local scope), as many as a scenario can ask for.
 */
export function loopMulticast(l: number): { host: string; port: number } {
  if (!Number.isInteger(l) || l < 0 || l > 0xffff) throw new RangeError(`loop index ${l} out of range`);
  return { host: `239.255.${l >> 8}.${l & 0xff}`, port: 20_000 + 2 * (l % 20_000) };
}

/** `domain`: the openvocs reference serves only the domain named in its config (its IP, e.g. 127.0.0.1). */
export async function writeBenchDirectory(dir: string, operators: number, loops: number, accounts = DEFAULT_ACCOUNTS, domain = 'bench'): Promise<void> {
  // One hash for all users: hashing hundreds of passwords would only slow the start.
  const password = openvocsPassword(accounts.password);
  const users: Record<string, unknown> = {};
  const members: Record<string, null> = {};
  for (let i = 0; i < operators; i++) {
    const id = `${accounts.userPrefix}${i}`;
    users[id] = { id, password };
    members[id] = null;
  }
  const loopEntries: Record<string, unknown> = {};
  for (let l = 0; l < loops; l++) {
    const id = `${accounts.loopPrefix}${l}`;
    loopEntries[id] = { id, name: id, multicast: loopMulticast(l), roles: { [accounts.role]: true } };
  }
  const project = { id: 'p', domain, users, roles: { [accounts.role]: { id: accounts.role, users: members } }, loops: loopEntries };
  await mkdir(join(dir, 'auth', domain, 'p'), { recursive: true });
  await writeFile(join(dir, 'auth', domain, 'config.json'), JSON.stringify({ id: domain, users: {}, roles: {}, loops: {} }));
  await writeFile(join(dir, 'auth', domain, 'p', 'config.json'), JSON.stringify(project));
}
