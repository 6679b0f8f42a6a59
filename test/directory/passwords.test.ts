import { pbkdf2Sync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword, type StoredPassword } from '../../src/directory/passwords.js';
import { FIXTURE_DB } from '../support/server.js';

function fixtureUsers(file: string): Record<string, { password: StoredPassword }> {
  return (JSON.parse(readFileSync(join(FIXTURE_DB, 'auth', file), 'utf8')) as { users: Record<string, { password: StoredPassword }> }).users;
}

describe('passwords', () => {
  it('verifies the openvocs PBKDF2-HMAC-SHA3-512 hashes of the fixture and rejects wrong ones', async () => {
    const users = fixtureUsers('127.0.0.1/mcc@127.0.0.1/config.json');
    for (const name of ['alice', 'bob', 'carol']) {
      expect(await verifyPassword(name, users[name]?.password)).toBe(true);
      expect(await verifyPassword(`${name}x`, users[name]?.password)).toBe(false);
    }
    expect(await verifyPassword('admin', fixtureUsers('127.0.0.1/config.json').admin?.password)).toBe(true);
  });

  it('uses the salt only up to its first zero byte, like openvocs', async () => {
    const salt = Buffer.alloc(32, 7);
    salt[15] = 0;
    const truncated = pbkdf2Sync('secret', salt.subarray(0, 15), 1024, 32, 'sha3-512').toString('base64');
    const full = pbkdf2Sync('secret', salt, 1024, 32, 'sha3-512').toString('base64');
    expect(await verifyPassword('secret', { hash: truncated, salt: salt.toString('base64') })).toBe(true);
    expect(await verifyPassword('secret', { hash: full, salt: salt.toString('base64') })).toBe(false);
  });

  it('hashes new passwords with scrypt and a random salt; both formats verify', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    expect(a.scheme).toBe('scrypt');
    expect(a.salt).not.toBe(b.salt);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct horsf', a)).toBe(false);
  });

  it('refuses missing, empty and absurd-cost password records without throwing', async () => {
    expect(await verifyPassword('x', undefined)).toBe(false);
    expect(await verifyPassword('x', { hash: '', salt: '' })).toBe(false);
    expect(await verifyPassword('x', { scheme: 'scrypt', hash: 'AAAA', salt: 'AAAA', N: 2 ** 30 })).toBe(false);
  });
});
