// TLS material: configured files, or a self-signed certificate generated once into the data directory.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { writeFileAtomic } from '../directory/atomic-file.js';

export interface TlsMaterial {
  key: string;
  cert: string;
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export async function loadTls(files: { key: string; cert: string }): Promise<TlsMaterial> {
  return { key: await readFile(files.key, 'utf8'), cert: await readFile(files.cert, 'utf8') };
}

/** `<dir>/key.pem` + `<dir>/cert.pem`, created on first use (EC P-256, 2 years, localhost + hostnames). */
export async function selfSignedTls(dir: string, hostnames: readonly string[]): Promise<TlsMaterial> {
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  const [key, cert] = await Promise.all([readIfPresent(keyPath), readIfPresent(certPath)]);
  if (key && cert) return { key, cert };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const notAfter = new Date();
  notAfter.setFullYear(notAfter.getFullYear() + 2);
  const names = [...new Set(['localhost', ...hostnames])];
  const ipPattern = /^[\d.]+$|:/;
  const pems = await generate([{ name: 'commonName', value: 'Loopcast (self-signed)' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false },
      {
        name: 'subjectAltName',
        altNames: [
          ...names.filter((n) => !ipPattern.test(n)).map((value) => ({ type: 2 as const, value })),
          ...['127.0.0.1', '::1', ...names.filter((n) => ipPattern.test(n))].map((ip) => ({ type: 7 as const, ip })),
        ],
      },
    ],
  });
  await writeFileAtomic(keyPath, pems.private);
  await writeFileAtomic(certPath, pems.cert);
  return { key: pems.private, cert: pems.cert };
}
