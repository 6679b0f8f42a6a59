// A real OpenLDAP slapd for tests: generated config and tree in a temp dir, loopback port only,
// never the system instance. Users: ada (group flight-directors), grace (groups ground, flight-directors),
// linus (no mapped group); every password is "<name>-pw". Service account: cn=reader (password reader-pw).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { freePort } from '../support/ports.js';

export const BASE = 'dc=example,dc=org';

const TREE = `dn: ${BASE}
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: ou=people,${BASE}
objectClass: organizationalUnit
ou: people

dn: ou=groups,${BASE}
objectClass: organizationalUnit
ou: groups

dn: cn=reader,${BASE}
objectClass: person
cn: reader
sn: reader
userPassword: reader-pw
${['ada:Ada Lovelace', 'grace:Grace Hopper', 'linus:Linus T']
  .map((u) => {
    const [id, name] = u.split(':');
    return `
dn: uid=${id},ou=people,${BASE}
objectClass: inetOrgPerson
uid: ${id}
cn: ${name}
sn: ${id}
userPassword: ${id}-pw
`;
  })
  .join('')}
dn: cn=flight-directors,ou=groups,${BASE}
objectClass: groupOfNames
cn: flight-directors
member: uid=ada,ou=people,${BASE}
member: uid=grace,ou=people,${BASE}

dn: cn=ground,ou=groups,${BASE}
objectClass: groupOfNames
cn: ground
member: cn=reader,${BASE}
member: uid=grace,ou=people,${BASE}
`;

function slapdConf(dir: string, tls: { cert: string; key: string }): string {
  return `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile ${dir}/slapd.pid
TLSCertificateFile ${tls.cert}
TLSCertificateKeyFile ${tls.key}
access to attrs=userPassword by anonymous auth by self read by * none
access to * by * read
database mdb
maxsize 10485760
suffix "${BASE}"
rootdn "cn=admin,${BASE}"
rootpw admin-pw
directory ${dir}/data
`;
}

export interface Slapd {
  url: string;
  ldapsUrl: string;
  caPem: string;
  caFile: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  remove(): Promise<void>;
}

function waitForPort(port: number, deadline: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`slapd did not listen on ${port}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

export async function startSlapd(): Promise<Slapd> {
  const dir = await mkdtemp(join(tmpdir(), 'loopcast-slapd-'));
  await mkdir(join(dir, 'data'));
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keySize: 2048,
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  await writeFile(cert, pems.cert);
  await writeFile(key, pems.private);
  const conf = join(dir, 'slapd.conf');
  await writeFile(conf, slapdConf(dir, { cert, key }));
  await writeFile(join(dir, 'tree.ldif'), TREE);
  const load = spawnSync('slapadd', ['-f', conf, '-l', join(dir, 'tree.ldif')], { encoding: 'utf8' });
  if (load.status !== 0) throw new Error(`slapadd failed: ${load.stderr}`);
  const [port, tlsPort] = [await freePort(), await freePort()];
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const proc = spawn('slapd', ['-f', conf, '-h', `ldap://127.0.0.1:${port}/ ldaps://127.0.0.1:${tlsPort}/`, '-d', '0'], { stdio: 'ignore' });
    child = proc;
    await waitForPort(port, Date.now() + 15_000);
  };
  const stop = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url: `ldap://127.0.0.1:${port}`,
    ldapsUrl: `ldaps://127.0.0.1:${tlsPort}`,
    caPem: pems.cert,
    caFile: cert,
    start,
    stop,
    async remove() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
