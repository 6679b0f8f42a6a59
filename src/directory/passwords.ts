// Password verification for both formats: openvocs PBKDF2-HMAC-SHA3-512 (imported directories) and
// Loopcast's scrypt (every password set by Loopcast). Both run off the event loop (libuv pool).
import { pbkdf2, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);
const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/** openvocs: `{hash, salt}` base64, 1024 iterations. Loopcast adds `scheme:"scrypt"` with its cost. */
export type StoredPassword = {
  hash: string;
  salt: string;
  scheme?: 'scrypt';
  N?: number;
  r?: number;
  p?: number;
  [key: string]: unknown;
};

const OPENVOCS_ITERATIONS = 1024;
const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 };

/** openvocs uses the salt as a C string: only the bytes before the first zero byte count. */
function openvocsSalt(saltBase64: string): Buffer {
  const salt = Buffer.from(saltBase64, 'base64');
  const zero = salt.indexOf(0);
  return zero === -1 ? salt : salt.subarray(0, zero);
}

export async function hashPassword(password: string): Promise<StoredPassword> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, SCRYPT.keylen, { ...SCRYPT, maxmem: 64 * 1024 * 1024 });
  return { scheme: 'scrypt', hash: hash.toString('base64'), salt: salt.toString('base64'), N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p };
}

export async function verifyPassword(password: string, stored: StoredPassword | undefined): Promise<boolean> {
  if (!stored || typeof stored.hash !== 'string' || typeof stored.salt !== 'string') return false;
  const expected = Buffer.from(stored.hash, 'base64');
  if (expected.length === 0) return false;
  let actual: Buffer;
  if (stored.scheme === 'scrypt') {
    const N = stored.N ?? SCRYPT.N;
    const r = stored.r ?? SCRYPT.r;
    const p = stored.p ?? SCRYPT.p;
    // Refuse absurd cost parameters from a tampered file instead of exhausting memory.
    if (N > 1 << 20 || r > 32 || p > 16) return false;
    actual = await scryptAsync(password, Buffer.from(stored.salt, 'base64'), expected.length, {
      N, r, p, maxmem: 256 * N * r + 1024 * 1024,
    });
  } else {
    actual = await pbkdf2Async(password, openvocsSalt(stored.salt), OPENVOCS_ITERATIONS, expected.length, 'sha3-512');
  }
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
