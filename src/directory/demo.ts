// The demo directory created on first start of the embedded default: one domain, one project, five
// users, three roles, eight loops with a keyset layout. Credentials are printed at start.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import { layoutPositions } from './layout.js';
import { hashPassword } from './passwords.js';
import type { DomainFile, LoopRecord, ProjectFile, RoleRecord } from './schema.js';

export const DEMO_DOMAIN = 'loopcast.demo';
export const DEMO_PROJECT = 'mission@loopcast.demo';

/** user → [display name, password, roles]. Demo-only passwords: replace them before real use. */
const USERS: Record<string, [string, string, string[]]> = {
  admin: ['Administrator', 'admin', []],
  flight: ['Flight Director', 'flight', ['flight_director', 'admin']],
  capcom: ['Capsule Communicator', 'capcom', ['flight_director', 'capcom']],
  eecom: ['Electrical Engineer', 'eecom', ['engineering']],
  gnc: ['Guidance & Navigation', 'gnc', ['engineering', 'capcom']],
};

/** loop → [name, role permissions (true = talk, false = monitor)]. */
const LOOPS: Record<string, [string, Record<string, boolean>]> = {
  fd: ['FLIGHT', { flight_director: true, capcom: false, engineering: false }],
  capcom: ['CAPCOM', { flight_director: true, capcom: true, engineering: false }],
  air_ground: ['AIR/GROUND', { flight_director: true, capcom: true, engineering: false }],
  eecom: ['EECOM', { flight_director: true, engineering: true }],
  gnc: ['GNC', { flight_director: true, engineering: true }],
  systems: ['SYSTEMS', { flight_director: true, capcom: false, engineering: true }],
  network: ['NETWORK', { flight_director: false, capcom: false, engineering: true }],
  support: ['SUPPORT', { flight_director: true, capcom: true, engineering: true }],
};

const ROLES: Record<string, [string, string, string]> = {
  flight_director: ['Flight Director', 'FD', '#e0a030'],
  capcom: ['CAPCOM', 'CC', '#3080e0'],
  engineering: ['Engineering', 'ENG', '#30b070'],
};

export interface DemoCredentials {
  domain: string;
  project: string;
  users: Array<{ user: string; password: string; roles: string[] }>;
}

export async function hasDirectory(root: string): Promise<boolean> {
  try {
    return (await readdir(join(root, 'auth'))).some((name) => !name.startsWith('.'));
  } catch {
    return false;
  }
}

export async function createDemoDirectory(root: string): Promise<DemoCredentials> {
  const domain: DomainFile = {
    id: DEMO_DOMAIN,
    name: 'Loopcast demo',
    users: { admin: { id: 'admin', name: USERS.admin?.[0], password: await hashPassword('admin') } },
    roles: { admin: { id: 'admin', users: { admin: null } } },
    loops: {},
  };
  const project: ProjectFile = { id: DEMO_PROJECT, name: 'Demo mission', domain: DEMO_DOMAIN, users: {}, roles: {}, loops: {} };
  const credentials: DemoCredentials = { domain: DEMO_DOMAIN, project: DEMO_PROJECT, users: [{ user: 'admin', password: 'admin', roles: ['admin (domain)'] }] };
  for (const [id, [name, password, roles]] of Object.entries(USERS)) {
    if (id === 'admin') continue;
    project.users[id] = { id, name, password: await hashPassword(password) };
    credentials.users.push({ user: id, password, roles });
  }
  for (const [id, [name, abbreviation, color]] of Object.entries(ROLES)) {
    const role: RoleRecord = { id, name, abbreviation, color, users: {} };
    project.roles[id] = role;
  }
  project.roles.admin = { id: 'admin', users: {} };
  for (const [user, [, , roles]] of Object.entries(USERS)) {
    for (const role of roles) {
      const record = project.roles[role];
      if (record) record.users[user] = null;
    }
  }
  let port = 21000;
  for (const [id, [name, roles]] of Object.entries(LOOPS)) {
    const loop: LoopRecord = { id, name, abbreviation: name.slice(0, 6), multicast: { host: '239.255.77.1', port: port++ }, roles };
    project.loops[id] = loop;
  }
  // Each role gets a stored keyset layout: its loops row-major on a 4-column grid.
  for (const role of Object.values(project.roles)) {
    if (role.id === 'admin') continue;
    const loopIds = Object.values(project.loops).filter((l) => Object.hasOwn(l.roles, role.id)).map((l) => l.id);
    role.layout = Object.fromEntries(layoutPositions(loopIds, undefined));
  }
  const dir = join(root, 'auth', DEMO_DOMAIN);
  await writeFileAtomic(join(dir, 'config.json'), `${JSON.stringify(domain, null, 2)}\n`);
  await writeFileAtomic(join(dir, DEMO_PROJECT, 'config.json'), `${JSON.stringify(project, null, 2)}\n`);
  return credentials;
}
